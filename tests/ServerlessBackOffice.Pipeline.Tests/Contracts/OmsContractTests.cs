using System.Text.Json;
using Json.Schema;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Capture;

namespace ServerlessBackOffice.Pipeline.Tests.Contracts;

/// <summary>
/// The published contract and the running code agree: the JSON Schema accepts every documented sample and refuses every
/// documented invalid example, and the capture stage gives each invalid example the reason code its file name documents.
/// </summary>
public sealed class OmsContractTests
{
    private static readonly string Samples = RepositoryRoot.Combine("docs", "contracts", "samples", "oms-trade-v1");
    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(RepositoryRoot.Combine("docs", "contracts", "oms-trade-v1.schema.json")));

    public static TheoryData<string> ValidSamples() => [.. Directory.GetFiles(Path.Combine(Samples, "valid"), "*.json").Select(f => Path.GetFileName(f)).Order()];

    public static TheoryData<string> InvalidExamples() => [.. Directory.GetFiles(Path.Combine(Samples, "invalid"), "*.json").Select(f => Path.GetFileName(f)).Order()];

    [Fact]
    public void TheDocsHaveSamplesOfBothKinds()
    {
        Assert.True(ValidSamples().Count >= 5);
        Assert.True(InvalidExamples().Count >= 10);
    }

    [Theory]
    [MemberData(nameof(ValidSamples))]
    public void Schema_AcceptsEverySample(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Samples, "valid", file)));
        Assert.True(Schema.Evaluate(document.RootElement, new EvaluationOptions()).IsValid, file);
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public void Schema_RejectsEveryInvalidExample(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Samples, "invalid", file)));
        Assert.False(Schema.Evaluate(document.RootElement, new EvaluationOptions()).IsValid, file);
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public void Capture_GivesEveryInvalidExampleItsDocumentedReasonCode(string file)
    {
        var expected = Enum.Parse<ReasonCode>(file[..file.IndexOf("--", StringComparison.Ordinal)]);
        var parsed = OmsMessageParser.Parse(File.ReadAllBytes(Path.Combine(Samples, "invalid", file)));
        var code = parsed.Rejection?.Code
            ?? TradeValidator.Validate(parsed.Message!, SampleData.ReferenceData, CapturePolicy.Default, SampleData.Now).Rejection?.Code;
        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task Capture_AcceptsEverySampleInDocumentOrder()
    {
        var capture = new InMemoryCapture();
        var order = new[]
        {
            "us-equity-buy", "amend-version-2", "cancel-version-3", "us-equity-sell-with-commission-override",
            "us-treasury-buy-percent-of-par", "uk-equity-buy-sdrt", "fr-equity-buy-ftt", "settlement-date-override",
        };
        Assert.Equal(order.Order(), ValidSamples().Select(f => ((string)f.Data)[..^5]).Order());

        foreach (var name in order)
        {
            var result = await capture.Handler.HandleAsync(new InboundMessage(name, File.ReadAllBytes(Path.Combine(Samples, "valid", name + ".json")), 1), TestContext.Current.CancellationToken);
            Assert.True(result.Outcome == CaptureOutcomeKind.Accepted, $"{name}: {result.Outcome} {result.ReasonCode}");
        }
    }

    [Fact]
    public void Parse_WhenBodyIsOverTheSizeLimit_RejectsWithPayloadTooLarge()
    {
        var body = new byte[OmsContract.MaximumMessageBytes + 1];
        Assert.Equal(ReasonCode.PayloadTooLarge, OmsMessageParser.Parse(body).Rejection?.Code);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    public void Parse_WhenBodyIsNotAnObject_RejectsWithMalformedMessage(string body) =>
        Assert.Equal(ReasonCode.MalformedMessage, OmsMessageParser.Parse(System.Text.Encoding.UTF8.GetBytes(body)).Rejection?.Code);
}
