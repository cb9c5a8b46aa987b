using System.Globalization;
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
        var body = new MemoryStream();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(requestFeature);
        features.Set<IHttpResponseFeature>(responseFeature);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
        var context = new DefaultHttpContext(features);

        try
        {
            await handle(context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // What Kestrel answers for a handler that throws before it starts the response.
            responseFeature.StatusCode = 500;
            responseFeature.Headers.Clear();
            body.SetLength(0);
        }

        // Kestrel adds the Date header of every answer; the stand-in's handler leaves it to the server.
        if (string.IsNullOrEmpty(responseFeature.Headers.Date))
        {
            responseFeature.Headers.Date = DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture);
        }

        body.Position = 0;
        var response = new HttpResponseMessage((HttpStatusCode)responseFeature.StatusCode)
        {
            RequestMessage = request,
            Version = HttpVersion.Version11,
            Content = new StreamContent(body),
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
}
