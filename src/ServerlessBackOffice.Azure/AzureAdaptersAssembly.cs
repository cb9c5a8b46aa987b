namespace ServerlessBackOffice.Azure;

/// <summary>Identifies the Azure adapters assembly for architecture tests and discovery.</summary>
public static class AzureAdaptersAssembly
{
    /// <summary>The adapters assembly.</summary>
    public static System.Reflection.Assembly Assembly => typeof(AzureAdaptersAssembly).Assembly;
}
