using Microsoft.Extensions.Logging;

namespace ServerlessBackOffice.BlobStandIn;

/// <summary>Source-generated log messages of the Blob stand-in.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Blob stand-in listening on {BlobEndpoint}")]
    public static partial void Listening(ILogger logger, Uri blobEndpoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Blob stand-in refused {Method} {Path}: {Status} {ErrorCode}")]
    public static partial void Refused(ILogger logger, string method, string path, int status, string errorCode);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Unexpected Blob stand-in error on {Method} {Path}")]
    public static partial void Unexpected(ILogger logger, string method, string path, Exception exception);
}
