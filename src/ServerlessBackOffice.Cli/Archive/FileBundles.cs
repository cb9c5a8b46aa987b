using System.IO.Enumeration;
using Microsoft.Win32.SafeHandles;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Cli.Archive;

/// <summary>A bundle unpacked into a folder on disk.</summary>
internal sealed class FolderBundle(DirectoryInfo root) : IArchiveBundle
{
    // The root with one trailing separator: every file the bundle opens is under it.
    private readonly string _rootPrefix = root.FullName.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;

    // Every file under the root, hidden ones included (as Directory.EnumerateFiles with AllDirectories lists them), each
    // path made once from the enumerator's own spans: a million records are a million paths, not three strings each.
    public IEnumerable<string> Paths() =>
        new FileSystemEnumerable<string>(
            root.FullName,
            (ref FileSystemEntry entry) => RelativePath(ref entry),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
        };

    // A record's name that is a plain relative path makes its full path in one string, not two.
    public Stream? OpenRecord(string name) =>
        IsPlainRelative(name) ? OpenUnbuffered(string.Concat(_rootPrefix, ArchiveFormat.RecordsFolder, name)) : Open(ArchiveFormat.RecordsFolder + name);

    public Stream? Open(string path)
    {
        // A manifest naming "../x" must not make the verifier read outside the bundle. A plain relative path (the archive's
        // record names) cannot leave the root and is joined to it as it is; anything else is normalised first, then checked.
        var full = IsPlainRelative(path) ? string.Concat(_rootPrefix, path) : Path.GetFullPath(Path.Combine(root.FullName, path));
        if (!full.StartsWith(_rootPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        return OpenUnbuffered(full);
    }

    // "a/b/c.json" on Unix: not rooted, and no empty, "." or ".." segment nor a null character. (Windows, with its drives and
    // second separator, always takes the normalising path.)
    internal static bool IsPlainRelative(string path)
    {
        if (OperatingSystem.IsWindows() || path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var range in path.AsSpan().Split('/'))
        {
            if (path.AsSpan(range) is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    private static string RelativePath(ref FileSystemEntry entry)
    {
        var directory = entry.Directory[entry.RootDirectory.Length..].TrimStart(Path.DirectorySeparatorChar);
        var name = entry.FileName;
        var length = directory.Length + (directory.IsEmpty ? 0 : 1) + name.Length;
        Span<char> path = length <= 512 ? stackalloc char[length] : new char[length];
        directory.CopyTo(path);
        if (!directory.IsEmpty)
        {
            path[directory.Length] = '/';
        }

        name.CopyTo(path[(length - name.Length)..]);
        path.Replace(Path.DirectorySeparatorChar, '/');
        return new string(path);
    }

    // A folder's files can be read from several threads at once: the verifier hashes records in parallel.
    public bool SupportsConcurrentReads => true;

    // One open per record and no stat before it (a million records are a million opens): the caller reads into its own
    // buffer, so the stream needs none. A missing file, or a directory under a record's name, is "not in the bundle".
    internal static FileStream? OpenUnbuffered(string fullPath)
    {
        try
        {
            return new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>
/// A bundle as downloaded — one zip file on disk — read in place by several threads at once. The zip's central directory is
/// parsed once into a name index and an array of entries; an entry is opened with positional reads on the one shared
/// handle (its local header, then its data, inflated when deflated), through a window of the file per reading thread, so
/// the verifier inflates and hashes records on every core instead of one thread reading the zip through
/// <see cref="System.IO.Compression.ZipArchive"/>'s single stream, and a run of small records costs one system call.
/// Only what the bundle writer and any ordinary zip tool produce is read: stored or deflated entries, Zip64 included;
/// encrypted, multi-disk and other compression methods are refused with <see cref="InvalidDataException"/>, as is a
/// directory or header that points outside the file. An entry never yields more than its stated size plus one byte, so a
/// forged entry cannot make the verifier inflate without end; the byte more makes the record's size differ.
/// </summary>
internal sealed class ZipFileBundle : IArchiveBundle, IDisposable
{
    private const uint EndOfCentralDirectorySignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint LocalHeaderSignature = 0x04034b50;
    private const int EndOfCentralDirectorySize = 22;
    private const int CentralHeaderSize = 46;
    private const int LocalHeaderSize = 30;

    private readonly SafeFileHandle _file;
    private readonly long _dataEnd;
    private readonly Entry[] _entries;
    private readonly NameIndex _index;

    private ZipFileBundle(SafeFileHandle file, long dataEnd, Entry[] entries, NameIndex index)
    {
        _file = file;
        _dataEnd = dataEnd;
        _entries = entries;
        _index = index;
    }

    private readonly record struct Entry(long HeaderOffset, long CompressedSize, long Size, ushort Method, ushort Flags);

    /// <summary>Opens the zip at <paramref name="path"/> and reads its central directory.</summary>
    /// <exception cref="InvalidDataException">The file is not a zip this reader can read.</exception>
    public static ZipFileBundle OpenFile(string path)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var (centralOffset, centralSize, count, dataEnd) = FindCentralDirectory(file);
            var (entries, index) = ReadCentralDirectory(file, centralOffset, centralSize, count, dataEnd);
            return new ZipFileBundle(file, dataEnd, entries, index);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool SupportsConcurrentReads => true;

    public IEnumerable<string> Paths()
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            yield return _index.NameOf(i);
        }
    }

    public int? RecordCount => _index.RecordCount;

    public long? StatedLength(string path) => _index.Find(path, prefix: false) is var i and >= 0 ? _entries[i].Size : null;

    public Stream? Open(string path) => _index.Find(path, prefix: false) is var i and >= 0 ? Open(i, path) : null;

    // The record's path is looked up as UTF-8 on the stack, not made into a string per record.
    public Stream? OpenRecord(string name) => _index.Find(name, prefix: true) is var i and >= 0 ? Open(i, name) : null;

    /// <summary>
    /// The entries' names, looked up as the UTF-8 bytes the central directory holds: an open-addressing table of entry numbers
    /// over the names' bytes, so a million entries cost no string each (a name is made only when <see cref="Paths"/> asks).
    /// </summary>
    private sealed class NameIndex
    {
        private static ReadOnlySpan<byte> RecordsPrefix => "records/"u8;

        private readonly byte[] _names;
        private readonly int[] _offsets;
        private readonly int[] _slots;
        private readonly int _mask;
        private int _count;

        public NameIndex(int capacity, int nameBytes)
        {
            _names = GC.AllocateUninitializedArray<byte>(nameBytes);
            _offsets = new int[capacity + 1];
            var size = 16;
            while (size < 2 * capacity)
            {
                size <<= 1;
            }

            _slots = new int[size];
            _mask = size - 1;
        }

        public int RecordCount { get; private set; }

        /// <summary>Adds a name as entry number <c>Count</c>; false, adding nothing, when the name is there already.</summary>
        public bool TryAdd(ReadOnlySpan<byte> name)
        {
            var slot = HashOf(name) & _mask;
            while (_slots[slot] != 0)
            {
                if (NameBytes(_slots[slot] - 1).SequenceEqual(name))
                {
                    return false;
                }

                slot = (slot + 1) & _mask;
            }

            var start = _offsets[_count];
            name.CopyTo(_names.AsSpan(start));
            _offsets[_count + 1] = start + name.Length;
            _slots[slot] = ++_count;
            if (name.StartsWith(RecordsPrefix))
            {
                RecordCount++;
            }

            return true;
        }

        public string NameOf(int i) => System.Text.Encoding.UTF8.GetString(NameBytes(i));

        /// <summary>The entry named <paramref name="name"/> (after <c>records/</c> when <paramref name="prefix"/>), or -1.</summary>
        public int Find(string name, bool prefix)
        {
            var start = prefix ? RecordsPrefix.Length : 0;
            var most = start + System.Text.Encoding.UTF8.GetMaxByteCount(name.Length);
            var buffer = most <= 1024 ? stackalloc byte[most] : new byte[most];
            if (prefix)
            {
                RecordsPrefix.CopyTo(buffer);
            }

            var key = buffer[..(start + System.Text.Encoding.UTF8.GetBytes(name, buffer[start..]))];
            var slot = HashOf(key) & _mask;
            while (_slots[slot] != 0)
            {
                if (NameBytes(_slots[slot] - 1).SequenceEqual(key))
                {
                    return _slots[slot] - 1;
                }

                slot = (slot + 1) & _mask;
            }

            return -1;
        }

        private ReadOnlySpan<byte> NameBytes(int i) => _names.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);

        private static int HashOf(ReadOnlySpan<byte> name)
        {
            var hash = default(HashCode);
            hash.AddBytes(name);
            return hash.ToHashCode();
        }
    }

    private Stream Open(int i, string path)
    {
        var entry = _entries[i];
        Span<byte> header = stackalloc byte[LocalHeaderSize];
        if (entry.HeaderOffset + LocalHeaderSize > _dataEnd || ReadAt(entry.HeaderOffset, header) < LocalHeaderSize || U32(header, 0) != LocalHeaderSignature)
        {
            throw new InvalidDataException($"The local header of '{path}' is corrupt.");
        }

        var dataStart = entry.HeaderOffset + LocalHeaderSize + U16(header, 26) + U16(header, 28);
        if (dataStart + entry.CompressedSize > _dataEnd)
        {
            throw new InvalidDataException($"The data of '{path}' runs past the end of the zip's entries.");
        }

        var data = new SliceStream(this, dataStart, entry.CompressedSize);
        return entry.Method switch
        {
            0 => data,
            8 => new LimitedStream(new System.IO.Compression.DeflateStream(data, System.IO.Compression.CompressionMode.Decompress), entry.Size + 1),
            _ => throw new InvalidDataException($"'{path}' uses compression method {entry.Method}; only stored and deflated entries are read."),
        };
    }

    public void Dispose() => _file.Dispose();

    // Each reading thread keeps a window of the file: the verifier's threads each read a run of consecutive records, so their
    // local headers and data come from one positional read per window, not two system calls per record.
    [ThreadStatic]
    private static ReadWindow? t_window;

    private sealed class ReadWindow
    {
        public const int Size = 1 << 17;

        public byte[] Bytes { get; } = new byte[Size];

        public SafeFileHandle? File { get; set; }

        public long Start { get; set; }

        public int Length { get; set; }
    }

    /// <summary>Up to <paramref name="destination"/>'s length from <paramref name="offset"/>; fewer only at the end of the file.</summary>
    private int ReadAt(long offset, Span<byte> destination)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var read = ReadSomeAt(offset + done, destination[done..]);
            if (read <= 0)
            {
                break;
            }

            done += read;
        }

        return done;
    }

    private int ReadSomeAt(long offset, Span<byte> destination)
    {
        if (destination.Length >= ReadWindow.Size)
        {
            return RandomAccess.Read(_file, destination, offset);
        }

        var window = t_window ??= new ReadWindow();
        if (!ReferenceEquals(window.File, _file) || offset < window.Start || offset >= window.Start + window.Length)
        {
            window.File = _file;
            window.Start = offset;
            window.Length = 0;
            window.Length = RandomAccess.Read(_file, window.Bytes, offset);
        }

        var available = (int)Math.Min(destination.Length, window.Start + window.Length - offset);
        if (available <= 0)
        {
            return 0;
        }

        window.Bytes.AsSpan((int)(offset - window.Start), available).CopyTo(destination);
        return available;
    }

    private static (long Offset, long Size, long Count, long DataEnd) FindCentralDirectory(SafeFileHandle file)
    {
        var length = RandomAccess.GetLength(file);
        var tailLength = (int)Math.Min(length, EndOfCentralDirectorySize + ushort.MaxValue);
        var tail = new byte[tailLength];
        ReadExactly(file, length - tailLength, tail, length, "the end of central directory");
        for (var at = tailLength - EndOfCentralDirectorySize; at >= 0; at--)
        {
            if (U32(tail, at) != EndOfCentralDirectorySignature)
            {
                continue;
            }

            var eocd = tail.AsSpan(at);
            var end = length - tailLength + at;
            long count = U16(eocd, 10);
            long size = U32(eocd, 12);
            long offset = U32(eocd, 16);
            if (U16(eocd, 4) != 0 && U16(eocd, 4) != ushort.MaxValue)
            {
                throw new InvalidDataException("The zip spans several disks.");
            }

            if (count == ushort.MaxValue || size == uint.MaxValue || offset == uint.MaxValue)
            {
                // Zip64: the locator sits just before the end record and points at the Zip64 end record.
                var locator = new byte[20];
                ReadExactly(file, end - 20, locator, end, "the Zip64 locator");
                if (U32(locator, 0) != Zip64LocatorSignature)
                {
                    throw new InvalidDataException("The zip's Zip64 locator is missing.");
                }

                var recordAt = (long)U64(locator, 8);
                var record = new byte[56];
                ReadExactly(file, recordAt, record, end, "the Zip64 end record");
                if (U32(record, 0) != Zip64EndSignature)
                {
                    throw new InvalidDataException("The zip's Zip64 end record is corrupt.");
                }

                count = checked((long)U64(record, 32));
                size = checked((long)U64(record, 40));
                offset = checked((long)U64(record, 48));
                end = recordAt;
            }

            if (offset < 0 || size < 0 || offset + size > end || count > size / CentralHeaderSize)
            {
                throw new InvalidDataException("The zip's central directory lies outside the file.");
            }

            return (offset, size, count, offset);
        }

        throw new InvalidDataException("No end of central directory: the file is not a zip.");
    }

    private static (Entry[] Entries, NameIndex Index) ReadCentralDirectory(SafeFileHandle file, long offset, long size, long count, long dataEnd)
    {
        if (size > Array.MaxLength)
        {
            throw new InvalidDataException("The zip's central directory is too large.");
        }

        var directory = GC.AllocateUninitializedArray<byte>((int)size);
        ReadExactly(file, offset, directory, offset + size, "the central directory");
        var entries = new List<Entry>((int)count);
        // The names are at most the directory less its fixed headers: the index copies them and the directory is let go.
        var index = new NameIndex((int)count, (int)Math.Max(0, size - (count * CentralHeaderSize)));
        var at = 0;
        for (long n = 0; n < count; n++)
        {
            if (at + CentralHeaderSize > directory.Length || U32(directory, at) != CentralHeaderSignature)
            {
                throw new InvalidDataException($"The zip's central directory is corrupt at entry {n}.");
            }

            var header = directory.AsSpan(at);
            var flags = U16(header, 8);
            var method = U16(header, 10);
            long compressed = U32(header, 20);
            long uncompressed = U32(header, 24);
            int nameLength = U16(header, 28), extraLength = U16(header, 30), commentLength = U16(header, 32);
            long headerOffset = U32(header, 42);
            var next = at + CentralHeaderSize + nameLength + extraLength + commentLength;
            if (next > directory.Length)
            {
                throw new InvalidDataException($"The zip's central directory is corrupt at entry {n}.");
            }

            if (uncompressed == uint.MaxValue || compressed == uint.MaxValue || headerOffset == uint.MaxValue)
            {
                ReadZip64Extra(header.Slice(CentralHeaderSize + nameLength, extraLength), ref uncompressed, ref compressed, ref headerOffset, n);
            }

            if ((flags & 1) != 0)
            {
                throw new InvalidDataException($"Entry {n} of the zip is encrypted.");
            }

            if (headerOffset < 0 || compressed < 0 || uncompressed < 0 || headerOffset + LocalHeaderSize + compressed > dataEnd)
            {
                throw new InvalidDataException($"Entry {n} of the zip points outside the file.");
            }

            var name = header.Slice(CentralHeaderSize, nameLength);
            // A directory entry holds no record; a name that appears twice is kept once (the first), as ZipArchiveBundle does.
            if (!name.EndsWith("/"u8) && index.TryAdd(name))
            {
                entries.Add(new Entry(headerOffset, compressed, uncompressed, method, flags));
            }

            at = next;
        }

        return ([.. entries], index);
    }

    // The Zip64 extended information field holds, in this order, only the values that were too large for their fields.
    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long headerOffset, long n)
    {
        while (extra.Length >= 4)
        {
            int id = U16(extra, 0), length = U16(extra, 2);
            if (4 + length > extra.Length)
            {
                break;
            }

            if (id == 1)
            {
                var field = extra.Slice(4, length);
                var at = 0;
                if (uncompressed == uint.MaxValue)
                {
                    uncompressed = Zip64Value(field, ref at, n);
                }

                if (compressed == uint.MaxValue)
                {
                    compressed = Zip64Value(field, ref at, n);
                }

                if (headerOffset == uint.MaxValue)
                {
                    headerOffset = Zip64Value(field, ref at, n);
                }

                return;
            }

            extra = extra[(4 + length)..];
        }

        throw new InvalidDataException($"Entry {n} of the zip lacks its Zip64 sizes.");
    }

    private static long Zip64Value(ReadOnlySpan<byte> field, ref int at, long n)
    {
        if (at + 8 > field.Length)
        {
            throw new InvalidDataException($"Entry {n} of the zip has a short Zip64 field.");
        }

        var value = U64(field, at);
        at += 8;
        return value > long.MaxValue ? throw new InvalidDataException($"Entry {n} of the zip states an impossible size.") : (long)value;
    }

    private static void ReadExactly(SafeFileHandle file, long offset, Span<byte> destination, long limit, string what)
    {
        if (offset < 0 || offset + destination.Length > limit)
        {
            throw new InvalidDataException($"The zip is truncated: {what} lies outside it.");
        }

        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(file, destination, offset);
            if (read <= 0)
            {
                throw new InvalidDataException($"The zip is truncated: it ends inside {what}.");
            }

            destination = destination[read..];
            offset += read;
        }
    }

    private static ushort U16(ReadOnlySpan<byte> bytes, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);

    private static uint U32(ReadOnlySpan<byte> bytes, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    private static ulong U64(ReadOnlySpan<byte> bytes, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);

    /// <summary>A range of the shared file, read through the reading thread's window: any number of these read the file at once.</summary>
    private sealed class SliceStream(ZipFileBundle zip, long start, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, length - _position);
            if (wanted <= 0)
            {
                return 0;
            }

            var read = zip.ReadSomeAt(start + _position, buffer[..wanted]);
            if (read <= 0)
            {
                throw new InvalidDataException("The zip is truncated: it ends inside an entry's data.");
            }

            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>At most <paramref name="limit"/> bytes of the inner stream, which it disposes.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, limit - _read);
            if (wanted <= 0)
            {
                return 0;
            }

            var read = inner.Read(buffer[..wanted]);
            _read += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
