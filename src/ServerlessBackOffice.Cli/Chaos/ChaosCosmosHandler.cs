using System.Net;
using System.Text;

namespace ServerlessBackOffice.Cli.Chaos;

/// <summary>
/// The Cosmos client's HTTP pipeline under chaos (Gateway mode, as the day run uses): on document requests, a 429 with
/// <c>x-ms-retry-after-ms</c> (the SDK waits and retries), a 503, or a timeout — the last two either before the request
/// reached the store or after the store applied it, so the client sees a failure for a write that happened. Account,
/// database and container metadata requests and query-plan requests pass untouched.
/// </summary>
internal sealed class ChaosCosmosHandler(ChaosMonkey monkey) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        if (!path.Contains("/docs", StringComparison.Ordinal) || request.Headers.Contains("x-ms-cosmos-is-query-plan-request"))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        switch (monkey.DecideCosmos(Key(request, path)))
        {
            case CosmosFault.Throttle:
                return Failure(request, HttpStatusCode.TooManyRequests, "TooManyRequests", "3200");
            case CosmosFault.UnavailableBefore:
                return Failure(request, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", null);
            case CosmosFault.UnavailableAfter:
                (await base.SendAsync(request, cancellationToken)).Dispose();
                return Failure(request, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", null);
            case CosmosFault.TimeoutBefore:
                throw Timeout();
            case CosmosFault.TimeoutAfter:
                (await base.SendAsync(request, cancellationToken)).Dispose();
                throw Timeout();
            default:
                return await base.SendAsync(request, cancellationToken);
        }
    }

    // The SDK's retry of a request repeats method, address, partition key and continuation: the same key.
    private static string Key(HttpRequestMessage request, string path)
    {
        var key = new StringBuilder(request.Method.Method).Append(' ').Append(path);
        foreach (var header in (string[])["x-ms-documentdb-partitionkey", "x-ms-continuation", "x-ms-cosmos-is-batch-request"])
        {
            if (request.Headers.TryGetValues(header, out var values))
            {
                key.Append(' ').Append(string.Join(",", values));
            }
        }

        return key.ToString();
    }

    // What an HttpClient timeout looks like to the SDK: an OperationCanceledException its own token did not cause.
    private static TaskCanceledException Timeout() =>
        new("Chaos: the Cosmos request timed out.", new TimeoutException("Chaos: the Cosmos request timed out."));

    private static HttpResponseMessage Failure(HttpRequestMessage request, HttpStatusCode status, string code, string? subStatus)
    {
        var response = new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent($"{{\"code\":\"{code}\",\"message\":\"Chaos: injected {(int)status}.\"}}", Encoding.UTF8, "application/json"),
        };
        response.Headers.Add("x-ms-activity-id", Guid.NewGuid().ToString());
        response.Headers.Add("x-ms-request-charge", "0");
        if (status == HttpStatusCode.TooManyRequests)
        {
            response.Headers.Add("x-ms-retry-after-ms", "10");
        }

        if (subStatus is not null)
        {
            response.Headers.Add("x-ms-substatus", subStatus);
        }

        return response;
    }
}
