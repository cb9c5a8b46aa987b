using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace ServerlessBackOffice.ServiceBusEmulator;

/// <summary>How a <see cref="ServiceBusEmulatorServer"/> listens, authenticates and which entities it starts with.</summary>
public sealed class ServiceBusEmulatorOptions
{
    /// <summary>The loopback TCP port to listen on; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The SAS key name clients must use (the name Microsoft's emulator uses by default).</summary>
    public string SharedAccessKeyName { get; set; } = "RootManageSharedAccessKey";

    /// <summary>The SAS key clients must sign their tokens with.</summary>
    public string SharedAccessKey { get; set; } = "SAS_KEY_VALUE";

    /// <summary>Entities in the shape of Microsoft's emulator <c>Config.json</c>; null starts with no entities.</summary>
    public JsonObject? Config { get; set; }

    /// <summary>Where the emulator logs (one debug line per entity operation); null logs nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock behind lock expiry, TTL, scheduling and duplicate detection windows.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
