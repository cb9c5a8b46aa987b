using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.BlobStandIn.Authorization;
using ServerlessBackOffice.BlobStandIn.Http;
using ServerlessBackOffice.BlobStandIn.Storage;

namespace ServerlessBackOffice.BlobStandIn;

/// <summary>
/// A Blob Storage stand-in in this process: Kestrel on 127.0.0.1 (a free port), blobs in memory, Azurite's well-known
/// development account and key, so the unmodified <c>Azure.Storage.Blobs</c> client works against it with the same kind of
/// connection string it uses for Azurite. It implements the subset of the Blob REST API the project uses (containers,
/// block and append blobs, conditional writes, ranges, listings, user delegation SAS); docs/decisions/0072 lists what it
/// does not. Azurite remains the reference its conformance tests run against too.
/// </summary>
public sealed class BlobStandInServer : IAsyncDisposable
{
    /// <summary>The development account (Azurite's well-known one).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The development account's key (public; it only ever guards a local stand-in).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly WebApplication _app;
    private readonly BlobStore _store;
    private readonly BlobRequestHandler _handler;

    private BlobStandInServer(WebApplication app, BlobStore store, BlobRequestHandler handler, int port)
    {
        _app = app;
        _store = store;
        _handler = handler;
        Port = port;
    }

    /// <summary>The loopback port of the Blob endpoint.</summary>
    public int Port { get; }

    /// <summary>The Blob endpoint, e.g. <c>http://127.0.0.1:51234/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");

    /// <summary>A storage connection string for <c>BlobServiceClient</c> and the Functions host.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>Starts the stand-in on 127.0.0.1 and a port the system chooses; it answers as soon as this returns.</summary>
    public static Task<BlobStandInServer> StartAsync(ILogger? logger, CancellationToken cancellationToken) =>
        StartAsync(logger, TimeProvider.System, cancellationToken);

    /// <summary>Starts the stand-in with its own clock (Last-Modified, SAS and delegation key validity).</summary>
    public static Task<BlobStandInServer> StartAsync(ILogger? logger, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        StartAsync(new BlobStandInOptions { TimeProvider = timeProvider }, logger, cancellationToken);

    /// <summary>Starts the stand-in with <paramref name="options"/>: its clock, and where it keeps the blobs' bytes.</summary>
    public static async Task<BlobStandInServer> StartAsync(BlobStandInOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        logger ??= NullLogger.Instance;
        IContentStore content = options.ContentDirectory is { } directory ? new FileContentStore(directory) : new MemoryContentStore();
        try
        {
            return await StartAsync(new BlobStore(timeProvider, content), timeProvider, logger, cancellationToken);
        }
        catch
        {
            content.Dispose();
            throw;
        }
    }

    private static async Task<BlobStandInServer> StartAsync(BlobStore store, TimeProvider timeProvider, ILogger logger, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Block blobs of a day's bundle can exceed Kestrel's 30 MB default; the service's own limits are far above it.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var handler = new BlobRequestHandler(
            store,
            new StorageAuthorizer(AccountName, Convert.FromBase64String(AccountKey), timeProvider),
            logger);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var server = new BlobStandInServer(app, store, handler, new Uri(address).Port);
        Log.Listening(logger, server.BlobEndpoint);
        return server;
    }

    /// <summary>
    /// A message handler that serves requests to <see cref="BlobEndpoint"/> in this process, without a socket: for
    /// <c>BlobClientOptions.Transport</c> (an <c>HttpClientTransport</c> over it) when the client runs in the same process, as
    /// the day run's function host does. The same requests, signatures and answers as over the loopback port (decision 0076).
    /// </summary>
    public HttpMessageHandler CreateInProcessHandler() => new InProcessHandler(_handler.HandleAsync);

    /// <summary>Bytes of blob content held in the content file (0 when the bytes are kept in memory).</summary>
    public long ContentFileLength => _store.Content is FileContentStore file ? file.Length : 0;

    /// <summary>Stops listening and drops every blob (and the content file, when there is one).</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _store.Dispose();
    }
}

/// <summary>How <see cref="BlobStandInServer"/> runs.</summary>
public sealed record BlobStandInOptions
{
    /// <summary>Its clock (Last-Modified, SAS and delegation key validity); the system clock by default.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>
    /// A directory for the blobs' bytes: they go to one file there, unlinked at once, so only names, properties and the
    /// places of the bytes stay in memory and a large day's archive is bounded by disk, not memory. Null (the default)
    /// keeps the bytes in memory.
    /// </summary>
    public string? ContentDirectory { get; init; }
}
