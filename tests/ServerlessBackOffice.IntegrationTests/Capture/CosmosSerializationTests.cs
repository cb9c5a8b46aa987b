using System.Text;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>
/// The documents' serializer on its own (the stores' tests exercise it through the SDK against the stand-in): our options
/// on the way out, the bytes read as they are on the way in, an empty body as nothing, a raw stream handed over as is.
/// </summary>
public sealed class CosmosSerializationTests
{
    public sealed record Sample(string Id, string TradeId, string? Note, string Amount);

    [Fact]
    public void ADocument_IsWrittenWithTheDocumentOptions_AndReadBack()
    {
        var document = new Sample("settlement-state", "T-1", null, "1234.56");

        using var stream = CosmosSerialization.Serializer.ToStream(document);
        var json = Encoding.UTF8.GetString(((MemoryStream)stream).ToArray());
        var read = CosmosSerialization.Serializer.FromStream<Sample>(stream);

        Assert.Equal("""{"id":"settlement-state","tradeId":"T-1","amount":"1234.56"}""", json);
        Assert.Equal(document, read);
        Assert.Throws<ObjectDisposedException>(() => stream.ReadByte()); // FromStream owns and disposes what it reads
    }

    [Fact]
    public void AnEmptyBody_IsNothing_AndARawStream_IsHandedOverOpen()
    {
        Assert.Null(CosmosSerialization.Serializer.FromStream<Sample>(new MemoryStream()));

        using var raw = new MemoryStream("{}"u8.ToArray());
        Assert.Same(raw, CosmosSerialization.Serializer.FromStream<Stream>(raw));
        Assert.Equal('{', raw.ReadByte());
    }

    [Fact]
    public void AClient_IsConfiguredWithTheSerializer()
    {
        var options = CosmosSerialization.Apply(new CosmosClientOptions());

        Assert.Same(CosmosSerialization.Serializer, options.Serializer);
        Assert.Null(options.UseSystemTextJsonSerializerWithOptions);
    }
}
