using Newtonsoft.Json;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>The document the conformance tests write. Amounts travel as strings: Cosmos numbers are IEEE doubles.</summary>
public sealed record TestItem(
    [property: JsonProperty("id")] string Id,
    [property: JsonProperty("pk")] string Pk,
    [property: JsonProperty("name")] string Name,
    [property: JsonProperty("quantity")] int Quantity,
    [property: JsonProperty("amount")] string Amount = "0.00",
    [property: JsonProperty("ttl", NullValueHandling = NullValueHandling.Ignore)] int? Ttl = null);
