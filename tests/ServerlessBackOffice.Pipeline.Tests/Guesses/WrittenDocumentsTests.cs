using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Tests.Guesses;

/// <summary>The memory of written documents (decision 0075): what it offers as a guess, and when it says an outbox left.</summary>
public sealed class WrittenDocumentsTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    private sealed record Doc(string Text);

    [Fact]
    public void Flushed_HoldsOnlyOnTheDayThePublicationWasArchived()
    {
        var memory = new WrittenDocuments<Doc>();
        memory.Remember("a", new Doc("v1"), "e1", Day);
        Assert.True(memory.Flushed("a", "e1", Day));
        Assert.False(memory.Flushed("a", "e1", Day.AddDays(1)));

        // Written on one day, its publication finished on the next: it is not counted as published on either.
        memory.Written("b", new Doc("v1"), "e1", Day);
        memory.Published("b", "e1", Day.AddDays(1));
        Assert.False(memory.Flushed("b", "e1", Day));
        Assert.False(memory.Flushed("b", "e1", Day.AddDays(1)));
    }

    [Fact]
    public void Guess_IsTheDocumentLastRemembered_OrNull()
    {
        var memory = new WrittenDocuments<Doc>();
        Assert.Null(memory.Guess("a"));

        memory.Remember("a", new Doc("v1"), "e1", Day);
        memory.Remember("a", new Doc("v2"), "e2", Day);

        Assert.Equal(new Doc("v2"), memory.Guess("a"));
        Assert.Null(memory.Guess("b"));
        Assert.True(memory.TryGuess("a", out var document, out var etag));
        Assert.Equal((new Doc("v2"), "e2"), (document, etag));
        Assert.False(memory.TryGuess("b", out _, out _));
    }

    [Fact]
    public void Flushed_HoldsOnlyForTheRememberedETag()
    {
        var memory = new WrittenDocuments<Doc>();
        memory.Remember("a", new Doc("v2"), "e2", Day);

        Assert.True(memory.Flushed("a", "e2", Day));
        Assert.False(memory.Flushed("a", "e1", Day));
        Assert.False(memory.Flushed("a", null, Day));
        Assert.False(memory.Flushed("b", "e2", Day));
    }

    [Fact]
    public void AWrittenDocument_IsAGuessAtOnce_ButItsOutboxCountsAsPublishedOnlyWhenSaidSo()
    {
        var memory = new WrittenDocuments<Doc>();
        memory.Written("a", new Doc("v1"), "e1", Day);

        Assert.Equal(new Doc("v1"), memory.Guess("a"));
        Assert.False(memory.Flushed("a", "e1", Day));

        memory.Published("a", "e0", Day);
        Assert.False(memory.Flushed("a", "e1", Day));
        memory.Published("a", "e1", Day);
        Assert.True(memory.Flushed("a", "e1", Day));

        // A newer write starts unpublished again; a late "published" for the older one changes nothing.
        memory.Written("a", new Doc("v2"), "e2", Day);
        memory.Published("a", "e1", Day);
        Assert.False(memory.Flushed("a", "e2", Day));
    }

    [Fact]
    public void Forget_RemovesTheGuessAWriteProvedOld_ButNotANewerOne()
    {
        var memory = new WrittenDocuments<Doc>();
        memory.Remember("a", new Doc("v2"), "e2", Day);

        memory.Forget("a", "e1");
        Assert.Equal(new Doc("v2"), memory.Guess("a"));

        memory.Forget("a", "e2");
        Assert.Null(memory.Guess("a"));
        Assert.False(memory.Flushed("a", "e2", Day));
    }

    [Fact]
    public void AFullMemory_StartsAgain_SoItNeverHoldsMoreThanItsCapacity()
    {
        var memory = new WrittenDocuments<Doc>(capacity: 3);
        for (var i = 0; i < 10; i++)
        {
            memory.Remember($"k{i}", new Doc($"v{i}"), $"e{i}", Day);
            Assert.InRange(memory.Count, 1, 3);
        }

        Assert.Equal(new Doc("v9"), memory.Guess("k9"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WrittenDocuments<Doc>(0));
    }
}
