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
        options.Serializer = Serializer;
        return options;
    }

    /// <summary>The documents' serializer: System.Text.Json with <see cref="Options"/>, reading the response stream directly.</summary>
    public static CosmosSerializer Serializer { get; } = new StreamingJsonSerializer(Options);

    /// <summary>
    /// System.Text.Json over the streams the SDK hands over. The SDK's own System.Text.Json serializer reads each response
    /// into a string first (a char buffer, a builder and the string, about 5 % of a day run's allocations: decision 0077's
    /// follow-up in docs/performance.md); this one deserializes the UTF-8 bytes as they are. Same options, same documents.
    /// </summary>
    private sealed class StreamingJsonSerializer(JsonSerializerOptions options) : CosmosSerializer
    {
        public override T FromStream<T>(Stream stream)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (typeof(Stream).IsAssignableFrom(typeof(T)))
            {
                // The caller asked for the stream itself: it owns it from here.
                return (T)(object)stream;
            }

            using (stream)
            {
                return stream.CanSeek && stream.Length == 0 ? default! : JsonSerializer.Deserialize<T>(stream, options)!;
            }
        }

        public override Stream ToStream<T>(T input)
        {
            var payload = new MemoryStream();
            JsonSerializer.Serialize(payload, input, options);
            payload.Position = 0;
            return payload;
        }
    }
}
