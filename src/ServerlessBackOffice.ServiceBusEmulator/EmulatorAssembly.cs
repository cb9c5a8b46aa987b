namespace ServerlessBackOffice.ServiceBusEmulator;

/// <summary>Identifies the Service Bus emulator assembly.</summary>
public static class EmulatorAssembly
{
    /// <summary>The emulator assembly.</summary>
    public static System.Reflection.Assembly Assembly => typeof(EmulatorAssembly).Assembly;
}
