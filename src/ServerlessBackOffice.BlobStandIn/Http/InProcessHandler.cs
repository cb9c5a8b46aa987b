using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServerlessBackOffice.BlobStandIn.Http;

/// <summary>
/// Hands an <see cref="HttpRequestMessage"/> to the stand-in's request handler in this process, without a socket: the request
/// as the client would have written it (method, the raw target, every header, the body) becomes the <see cref="HttpContext"/>
/// Kestrel would have built, and the handler's status, headers and body come back as the response. The client's pipeline
/// (retries, SharedKey signing, conditional headers, the SDK's own parsing) is unchanged; what is skipped is HTTP/1.1 framing
/// on both sides and the loopback connection (decision 0076).
/// </summary>
internal sealed class InProcessHandler(Func<HttpContext, Task> handle) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var requestFeature = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Scheme = uri.Scheme,
            Method = request.Method.Method,
            // What HttpClient writes as the request target, so the stand-in sees the same escaping it sees over a socket.
            RawTarget = uri.PathAndQuery,
            Path = Uri.UnescapeDataString(uri.AbsolutePath),
            QueryString = uri.Query,
        };
        requestFeature.Headers.Host = uri.Authority;
        foreach (var (name, values) in request.Headers)
        {
            requestFeature.Headers.Append(name, values.ToArray());
        }

        if (request.Content is { } content)
        {
            // Reading Content-Length computes it where the content knows its length, as HttpClient does before it sends.
            _ = content.Headers.ContentLength;
            foreach (var (name, values) in content.Headers)
            {
                requestFeature.Headers.Append(name, values.ToArray());
            }

            requestFeature.Body = await content.ReadAsStreamAsync(cancellationToken);
        }
        else
        {
            requestFeature.Headers.ContentLength = request.Method == HttpMethod.Put || request.Method == HttpMethod.Post ? 0 : null;
        }

        var responseFeature = new HttpResponseFeature();
        // The body streams through a pipe, as it would through Kestrel's connection: the answer is handed back when the
        // handler starts writing it (its status and headers are final then) or finishes, and a large download is never
        // held whole in memory here.
        var pipe = new Pipe();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(requestFeature);
        features.Set<IHttpResponseFeature>(responseFeature);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(new ResponseBodyStream(pipe.Writer.AsStream(), started)));
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
        var context = new DefaultHttpContext(features);

        _ = HandleAsync(context, responseFeature, pipe.Writer, started);
        await started.Task;

        // Kestrel adds the Date header of every answer; the stand-in's handler leaves it to the server.
        if (string.IsNullOrEmpty(responseFeature.Headers.Date))
        {
            responseFeature.Headers.Date = DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture);
        }

        var response = new HttpResponseMessage((HttpStatusCode)responseFeature.StatusCode)
        {
            RequestMessage = request,
            Version = HttpVersion.Version11,
            Content = new StreamContent(pipe.Reader.AsStream()),
        };
        foreach (var (name, values) in responseFeature.Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                response.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return response;
    }

    private async Task HandleAsync(HttpContext context, HttpResponseFeature responseFeature, PipeWriter body, TaskCompletionSource started)
    {
        Exception? failure = null;
        try
        {
            await handle(context);
        }
        catch (Exception) when (!started.Task.IsCompleted)
        {
            // What Kestrel answers for a handler that throws before it starts the response.
            responseFeature.StatusCode = 500;
            responseFeature.Headers.Clear();
        }
        catch (Exception ex)
        {
            // Thrown after the answer started: the reader sees the body end with an error, as a client sees a connection
            // Kestrel aborts.
            failure = ex;
        }

        await body.CompleteAsync(failure);
        started.TrySetResult();
    }

    /// <summary>The response body: it signals that the answer has started before its first byte is written.</summary>
    private sealed class ResponseBodyStream(Stream inner, TaskCompletionSource started) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            started.TrySetResult();
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            started.TrySetResult();
            return inner.FlushAsync(cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
