namespace ServerlessBackOffice.Pipeline;

/// <summary>Identifies the pipeline assembly (handlers and ports) for architecture tests and discovery.</summary>
public static class PipelineAssembly
{
    /// <summary>The pipeline assembly.</summary>
    public static System.Reflection.Assembly Assembly => typeof(PipelineAssembly).Assembly;
}
