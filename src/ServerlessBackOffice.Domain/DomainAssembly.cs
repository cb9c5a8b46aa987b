namespace ServerlessBackOffice.Domain;

/// <summary>Identifies the pure domain assembly for architecture tests and reflection-based discovery.</summary>
public static class DomainAssembly
{
    /// <summary>The domain assembly.</summary>
    public static System.Reflection.Assembly Assembly => typeof(DomainAssembly).Assembly;
}
