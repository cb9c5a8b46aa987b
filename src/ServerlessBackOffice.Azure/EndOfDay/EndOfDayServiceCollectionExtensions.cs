using System.Globalization;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Azure.Compliance;
using ServerlessBackOffice.Pipeline.EndOfDay;
using ServerlessBackOffice.Pipeline.Risk;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.EndOfDay;

/// <summary>
/// Registers the end of day: <see cref="EndOfDayOptions"/> from the <c>EndOfDay</c> section, the <see cref="EndOfDayHandler"/>,
/// and the reports blob container as an <see cref="IReportSink"/>. The reports container lives in the archive account
/// (infra/modules/storage.bicep creates every blob container of the topology there), so it uses the archive's settings:
/// <c>ArchiveStorage__connectionString</c> locally, <c>ArchiveStorage__blobServiceUri</c> (+ <c>ArchiveStorage__clientId</c>) in Azure.
/// Assumes the composition root registers <c>IArchiveStore</c>, <c>ArchiveDaySealer</c> (AddArchiveOnAzure), <c>IReferenceDataSource</c>
/// and <c>TimeProvider</c>.
/// </summary>
public static class EndOfDayServiceCollectionExtensions
{
    /// <summary>
    /// Settings: <c>EndOfDay:FirmLei</c>, <c>EndOfDay:DefaultCloseTime</c> (HH:mm, book-local), <c>EndOfDay:BookCloseTimes:&lt;book&gt;</c>
    /// (HH:mm), <c>EndOfDay:ReadAhead</c>; <c>EndOfDay:ReportsFolder</c> adds a <see cref="FolderReportSink"/> (the local day run).
    /// </summary>
    public static IServiceCollection AddEndOfDayStage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(_ => Options(configuration.GetSection("EndOfDay")));
        services.AddPriceHistory(configuration);
        services.TryAddSingleton<RiskMarketDataArchiver>();
        services.TryAddSingleton<EndOfDayHandler>();
        services.TryAddSingleton<EndOfDayScheduler>();
        if (!string.IsNullOrWhiteSpace(configuration["ArchiveStorage:connectionString"]) || !string.IsNullOrWhiteSpace(configuration["ArchiveStorage:blobServiceUri"]))
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IReportSink, BlobReportSink>(sp => new BlobReportSink(ReportsContainer(configuration, sp.GetService<BlobClientOptions>()))));
        }

        if (configuration["EndOfDay:ReportsFolder"] is { Length: > 0 } folder)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IReportSink, FolderReportSink>(_ => new FolderReportSink(new DirectoryInfo(folder))));
        }

        return services;
    }

    /// <summary>Reads the options; a malformed close time fails at start-up, naming the setting.</summary>
    public static EndOfDayOptions Options(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new EndOfDayOptions();
        if (section["FirmLei"] is { Length: > 0 } lei)
        {
            options.FirmLei = lei;
        }

        if (section["DefaultCloseTime"] is { Length: > 0 } close)
        {
            options.DefaultCloseTime = Time(close, "EndOfDay:DefaultCloseTime");
        }

        if (section["ReadAhead"] is { Length: > 0 } readAhead)
        {
            options.ReadAhead = int.Parse(readAhead, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        foreach (var book in section.GetSection("BookCloseTimes").GetChildren())
        {
            options.BookCloseTimes[book.Key] = Time(book.Value ?? string.Empty, $"EndOfDay:BookCloseTimes:{book.Key}");
        }

        return options;
    }

    private static TimeOnly Time(string text, string setting) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new InvalidOperationException($"{setting} is '{text}'; expected a book-local time as HH:mm.");

    private static BlobContainerClient ReportsContainer(IConfiguration configuration, BlobClientOptions? options)
    {
        var connectionString = configuration["ArchiveStorage:connectionString"];
        var service = !string.IsNullOrWhiteSpace(connectionString)
            ? new BlobServiceClient(connectionString, options)
            : new BlobServiceClient(new Uri(configuration["ArchiveStorage:blobServiceUri"]!), Credential(configuration), options);
        return service.GetBlobContainerClient(Entities.BlobContainers.Reports.Name);
    }

    private static TokenCredential Credential(IConfiguration configuration)
    {
        var clientId = configuration["ArchiveStorage:clientId"];
        return string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}
