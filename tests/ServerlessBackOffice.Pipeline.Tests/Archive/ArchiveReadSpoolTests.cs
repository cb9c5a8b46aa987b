using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Pipeline.Tests.Archive;

/// <summary>The close's spool gives back exactly the bytes it was given, for each name, in any order.</summary>
public sealed class ArchiveReadSpoolTests
{
    [Fact]
    public void ReadsBackEachRecord_AndOnlyThoseAdded()
    {
        using var spool = new ArchiveReadSpool();
        spool.Add("a", [1, 2, 3]);
        spool.Add("empty", []);
        spool.Add("b", [4]);

        Assert.True(spool.TryRead("b", out var b));
        Assert.Equal([4], b);
        Assert.True(spool.TryRead("a", out var a));
        Assert.Equal([1, 2, 3], a);
        Assert.True(spool.TryRead("empty", out var empty));
        Assert.Empty(empty);
        Assert.False(spool.TryRead("c", out _));
        Assert.Equal(3, spool.Count);
    }

    [Fact]
    public void ARecordAddedTwice_KeepsItsFirstBytes()
    {
        using var spool = new ArchiveReadSpool();
        spool.Add("a", [1]);
        spool.Add("a", [2, 2]);

        Assert.True(spool.TryRead("a", out var a));
        Assert.Equal([1], a);
        Assert.Equal(1, spool.Count);
    }

    [Fact]
    public void AfterDispose_ItRefusesToBeUsed()
    {
        var spool = new ArchiveReadSpool();
        spool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => spool.Add("a", [1]));
        Assert.Throws<ObjectDisposedException>(() => spool.TryRead("a", out _));
    }

    [Fact]
    public void AnyRecords_ReadBackInAnyOrder_AreTheBytesAdded() =>
        Prop.ForAll(Gen.ArrayOf(Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())).ToArbitrary(), (byte[][] records) =>
        {
            using var spool = new ArchiveReadSpool();
            for (var i = 0; i < records.Length; i++)
            {
                spool.Add($"r{i:D4}", records[i]);
            }

            for (var i = records.Length - 1; i >= 0; i--)
            {
                if (!spool.TryRead($"r{i:D4}", out var back) || !back.AsSpan().SequenceEqual(records[i]))
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();
}
