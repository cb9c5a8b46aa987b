namespace ServerlessBackOffice.LocalStandIns;

/// <summary>Identifies the local stand-ins assembly.</summary>
public static class LocalStandInsAssembly
{
    /// <summary>The stand-ins assembly.</summary>
    public static System.Reflection.Assembly Assembly => typeof(LocalStandInsAssembly).Assembly;
}
