namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>
/// A write-only wrapper over a response body. <see cref="System.IO.Compression.ZipArchive"/> writes some of its headers
/// synchronously even from its asynchronous API, and ASP.NET Core refuses synchronous writes to a response body
/// (AllowSynchronousIO is off). Synchronous writes are kept in memory and sent ahead of the next asynchronous write or
/// flush: no thread blocks on the network, nothing is reordered, and what is held at once is at most one zip entry's
/// headers and compressed bytes (a record is at most 16 MiB).
/// </summary>
internal sealed class DeferredSynchronousWriteStream(Stream inner) : Stream
{
    private readonly MemoryStream _pending = new();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => _pending.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _pending.Write(buffer);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await DrainAsync(cancellationToken);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // A synchronous flush cannot reach the network without blocking; what is pending goes with the next asynchronous call.
    public override void Flush()
    {
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await DrainAsync(CancellationToken.None);
        // Stream.DisposeAsync calls Dispose(true), which releases the (now empty) buffer.
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _pending.Length > 0)
        {
            throw new InvalidOperationException("Bytes are still pending; dispose asynchronously so they reach the response.");
        }

        if (disposing)
        {
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0)
        {
            return;
        }

        await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        _pending.SetLength(0);
    }
}
