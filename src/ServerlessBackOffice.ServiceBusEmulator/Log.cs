using Microsoft.Extensions.Logging;

namespace ServerlessBackOffice.ServiceBusEmulator;

/// <summary>Source-generated log messages of the emulator.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Service Bus emulator listening on 127.0.0.1:{Port}")]
    public static partial void Listening(ILogger logger, int port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Entity {Operation}: {EntityPath}")]
    public static partial void EntityOperation(ILogger logger, string operation, string entityPath);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Link attach refused on {Address}: {Reason}")]
    public static partial void AttachRefused(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Token refused for {Audience}: {Reason}")]
    public static partial void TokenRefused(ILogger logger, string audience, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Management operation {Operation} on {EntityPath} failed: {Reason}")]
    public static partial void ManagementFailed(ILogger logger, string operation, string entityPath, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Unexpected emulator error in {Where}")]
    public static partial void Unexpected(ILogger logger, string where, Exception exception);
}
