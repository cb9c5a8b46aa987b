using System.Text;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Tests.Archive;

/// <summary>Every outbound message is archived, under its deterministic id, before it leaves; nothing leaves under a conflicting id.</summary>
public sealed class ArchivingMessagePublisherTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 3, 30, 0, TimeSpan.Zero); // 22:30 on the 24th in New York

    private static OutboundMessage Message(string body = "{\"a\":1}") => new(
        "trade-events", "T-1:1:TradeCaptured", "TradeCaptured", "corr-1",
        new Dictionary<string, string>(StringComparer.Ordinal) { ["z"] = "last", ["eventType"] = "TradeCaptured" }, body);

    [Fact]
    public async Task Publish_ArchivesTheEnvelopeOnTheNewYorkDayThenPublishes()
    {
        var archive = new InMemoryArchiveStore();
        var inner = new Mock<IMessagePublisher>(MockBehavior.Strict);
        var order = new List<string>();
        inner.Setup(p => p.PublishAsync(It.IsAny<OutboundMessage>(), It.IsAny<CancellationToken>()))
            .Callback(() => order.Add(archive.ListAsync(new DateOnly(2026, 11, 24), CancellationToken.None).ToBlockingEnumerable().Count() == 1 ? "published after archiving" : "published first"))
            .Returns(Task.CompletedTask);
        var publisher = new ArchivingMessagePublisher(inner.Object, archive, new FakeTimeProvider(Now));

        await publisher.PublishAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(["published after archiving"], order);
        await using var stored = await archive.OpenAsync(new DateOnly(2026, 11, 24), "outbound/trade-events/T-1:1:TradeCaptured.json", TestContext.Current.CancellationToken);
        Assert.NotNull(stored);
        using var reader = new StreamReader(stored);
        Assert.Equal(
            "{\"destination\":\"trade-events\",\"messageId\":\"T-1:1:TradeCaptured\",\"subject\":\"TradeCaptured\",\"correlationId\":\"corr-1\"," +
            "\"applicationProperties\":{\"eventType\":\"TradeCaptured\",\"z\":\"last\"},\"body\":{\"a\":1}}",
            await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Publish_Again_IsArchivedOnceAndPublishedAgain()
    {
        var archive = new InMemoryArchiveStore();
        var inner = new Mock<IMessagePublisher>();
        var publisher = new ArchivingMessagePublisher(inner.Object, archive, new FakeTimeProvider(Now));

        await publisher.PublishAsync(Message(), TestContext.Current.CancellationToken);
        await publisher.PublishAsync(Message(), TestContext.Current.CancellationToken);

        // A re-publication after a crash goes out again (duplicate detection drops it) and the archive keeps one record.
        inner.Verify(p => p.PublishAsync(It.IsAny<OutboundMessage>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
        Assert.Single(archive.ListAsync(new DateOnly(2026, 11, 24), TestContext.Current.CancellationToken).ToBlockingEnumerable(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Publish_ADifferentMessageUnderAnArchivedId_IsRefusedAndNotPublished()
    {
        var archive = new InMemoryArchiveStore();
        var inner = new Mock<IMessagePublisher>();
        var publisher = new ArchivingMessagePublisher(inner.Object, archive, new FakeTimeProvider(Now));
        await publisher.PublishAsync(Message(), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => publisher.PublishAsync(Message("{\"a\":2}"), TestContext.Current.CancellationToken));

        Assert.Contains("T-1:1:TradeCaptured", error.Message, StringComparison.Ordinal);
        inner.Verify(p => p.PublishAsync(It.IsAny<OutboundMessage>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public void Envelope_OfABodyThatIsNotJson_KeepsItAsText()
    {
        var envelope = Encoding.UTF8.GetString(ArchivingMessagePublisher.Envelope(Message("<xml/>")));

        Assert.EndsWith(",\"bodyText\":\"\\u003Cxml/\\u003E\"}", envelope, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("T-1", "T-1")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("..", "%2E%2E")]
    [InlineData("é", "%C3%A9")]
    public void Safe_KeepsIdsInOneSegment(string id, string expected) => Assert.Equal(expected, ArchiveRecordNames.Safe(id));
}
