using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Azure.Cosmos;

namespace ServerlessBackOffice.Azure;

/// <summary>
/// How every store serializes its Cosmos documents: System.Text.Json, camelCase, nulls omitted. The SDK's default
/// (Newtonsoft) would ignore our attributes; every client the adapters use is configured through <see cref="Apply"/>.
/// </summary>
public static class CosmosSerialization
{
    /// <summary>The serializer options of every Cosmos document.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Money travels as strings in our documents; a number that slips in is read, never written, as a double.
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Configures a client's options to use the documents' serializer.</summary>
    public static CosmosClientOptions Apply(CosmosClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.UseSystemTextJsonSerializerWithOptions = Options;
        return options;
    }
}
