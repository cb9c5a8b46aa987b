using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Cli.Archive;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reports;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Benchmarks;

/// <summary>
/// Issue 8's measurements at a million trades (docs/performance/reports-and-archive.md), too large for BenchmarkDotNet:
/// <list type="bullet">
/// <item><c>reports-scale reports --trades 1000000 [--out DIR]</c>: a day of that many trades as archive records — per trade
/// the OMS message, its reply, the TradeCaptured event and the trade-date journal entry (4 records) — generated in name order
/// and streamed through <see cref="DayReportBuilder"/>, which hashes each record and writes every report of the book to files
/// under DIR. Timed once generating only, once generating and building, so the builder's own time is the difference.
/// Prints the peak working set of the process.</item>
/// <item><c>reports-scale verify --records 1000000 [--out DIR]</c>: writes that many records as files of a sealed bundle
/// folder (manifest, signature, public key), times <see cref="ArchiveVerifier.Verify"/> on the folder, then writes the same
/// bundle as a zip with the product's bundle writer and times the verification of the zip (one reader per core).
/// <c>--reuse [--form folder|zip]</c> verifies both (or one) again without rewriting them.</item>
/// </list>
/// </summary>
public static class ReportsScale
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    /// <summary>The record folders of the generated day.</summary>
    public static readonly DayRecordFolders Folders = new("trade-events", "oms-replies", "oms-trades");

    /// <summary>The generated day's report parameters: one book, US-EQ.</summary>
    public static DayReportParameters Parameters => new(Day, new DateTimeOffset(2026, 11, 24, 22, 30, 0, TimeSpan.Zero), "549300BACKOFFICE0001", ["US-EQ"]);

    public static int Run(string[] args)
    {
        var mode = args.Length > 1 ? args[1] : string.Empty;
        var outFolder = Option(args, "--out") ?? "out/reports-scale";
        if (mode == "verify")
        {
            // As `backoffice verify` does: no advisory lock per file opened.
            AppContext.SetSwitch("System.IO.DisableFileLocking", true);
        }

        return mode switch
        {
            "reports" when args.Contains("--in-memory") => ReportsInMemory(
                int.Parse(Option(args, "--trades") ?? "1000000", CultureInfo.InvariantCulture), outFolder, int.Parse(Option(args, "--runs") ?? "1", CultureInfo.InvariantCulture)),
            "reports" => Reports(int.Parse(Option(args, "--trades") ?? "1000000", CultureInfo.InvariantCulture), outFolder),
            "verify" when args.Contains("--reuse") => VerifyExisting(outFolder, Option(args, "--form")),
            "verify" => Verify(int.Parse(Option(args, "--records") ?? "1000000", CultureInfo.InvariantCulture), outFolder),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: reports-scale reports --trades N [--in-memory [--runs R]] | verify --records N [--out DIR]");
        return 2;
    }

    /// <summary>
    /// The day's records in ordinal name order, generated as they are read. Each content is written into one buffer reused
    /// for every record, so it is valid until the next record is asked for: the generator allocates little more than the
    /// names and the journal entries, and the garbage it leaves does not weigh on the builder it feeds.
    /// </summary>
    public static IEnumerable<(string Name, ReadOnlyMemory<byte> Content)> DayRecords(int trades)
    {
        var buffer = new byte[4096];
        var json = new ArrayBufferWriter<byte>(4096);
        int written;
        for (var i = 0; i < trades; i++)
        {
            Write(Utf8.TryWrite(buffer, $$"""{"messageId":"M-{{i:D8}}","outcome":"accepted"}""", out written));
            yield return ($"inbound/oms-trades/M-{i:D8}.json", buffer.AsMemory(0, written));
        }

        for (var i = 0; i < trades; i++)
        {
            json.ResetWrittenCount();
            JournalEntryJson.Serialize(PostingRules.TradeDate(Trade(i)), json);
            yield return ($"ledger/US-EQ/T-{i:D8}:v1:trade-date.json", json.WrittenMemory);
        }

        for (var i = 0; i < trades; i++)
        {
            Write(Utf8.TryWrite(buffer,
                $$"""{"destination":"oms-replies","messageId":"M-{{i:D8}}:reply","subject":"accepted","applicationProperties":{},"body":{"schemaVersion":"1","inboundMessageId":"M-{{i:D8}}","tradeId":"T-{{i:D8}}","outcome":"accepted","message":"accepted"}""",
                out written));
            buffer[written++] = (byte)'}';
            yield return ($"outbound/oms-replies/M-{i:D8}:reply.json", buffer.AsMemory(0, written));
        }

        for (var i = 0; i < trades; i++)
        {
            var t = Trade(i);
            var side = t.Side == PostingSide.Buy ? "buy" : "sell";
            var id = $"T-{i:D8}";
            Write(Utf8.TryWrite(buffer, CultureInfo.InvariantCulture, $$"""
                {"destination":"trade-events","messageId":"{{id}}:1:TradeCaptured","subject":"TradeCaptured","applicationProperties":{"eventType":"TradeCaptured"},"body":
                {"eventId":"{{id}}:1:TradeCaptured","eventType":"TradeCaptured","tradeId":"{{id}}","version":1,"status":"Live","bookId":"US-EQ","account":"{{t.Account}}",
                 "side":"{{side}}","isin":"{{t.Instrument}}","assetClass":"Equity","mic":"XNYS","quantity":"{{t.Quantity}}","price":"123.45",
                 "priceType":"perUnit","currency":"USD","counterpartyLei":"W22LROWP2IHZNBB6K528","custodianLei":"HPFHU0OQ28E4N0NFVK49",
                 "executionTimestamp":"2026-11-24T15:00:00.0000000Z","tradeDate":"2026-11-24","settlementDate":"2026-11-25",
                 "gross":"{{t.Gross}}","commission":"12.34","fees":[{"code":"SEC31","amount":"0.56","source":"SEC"}],
                 "accruedInterest":"0.00","net":"{{t.Gross}}","roundingRule":"HalfAwayFromZeroToMinorUnits","correlationId":"C-{{id}}"}
                """, out written));
            buffer[written++] = (byte)'}';
            yield return ($"outbound/trade-events/{id}:1:TradeCaptured.json", buffer.AsMemory(0, written));
        }

        static void Write(bool fitted)
        {
            if (!fitted)
            {
                throw new InvalidOperationException("A generated record does not fit the generator's buffer.");
            }
        }
    }

    private static readonly string[] Accounts = [.. Enumerable.Range(0, 50).Select(a => $"ACC-{a:D3}")];
    private static readonly string[] Instruments = [.. Enumerable.Range(0, 200).Select(n => $"US{n:D10}")];

    private static LedgerTrade Trade(int i)
    {
        // Deterministic per index, so each folder's pass describes the same trade.
        var quantity = 1 + (int)((uint)(i * 2654435761u) % 5_000u);
        return new LedgerTrade($"T-{i:D8}", 1, "US-EQ", Accounts[i % 50], "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49", Instruments[i % 200],
            i % 2 == 0 ? PostingSide.Buy : PostingSide.Sell, quantity, "USD", 2, quantity * 123.45m, 12.34m, 0.56m, 0m, Day, Day.AddDays(1));
    }

    private static int Reports(int trades, string folder)
    {
        Directory.CreateDirectory(folder);
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedAtStart = GC.GetTotalAllocatedBytes(precise: false);
        var generate = Stopwatch.StartNew();
        long bytes = 0, records = 0;
        foreach (var (_, content) in DayRecords(trades))
        {
            bytes += content.Length;
            records++;
        }

        generate.Stop();
        var cpuGenerating = Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart;
        var allocatedGenerating = GC.GetTotalAllocatedBytes(precise: false) - allocatedAtStart;
        var build = Stopwatch.StartNew();
        var sink = new FolderSink(folder);
        var byFolder = new SortedDictionary<string, TimeSpan>(StringComparer.Ordinal);
        using (var builder = new DayReportBuilder(Parameters, Folders, sink))
        {
            // Time spent in Add per record folder, kept per run of the same folder (the records come folder by folder):
            // no substring or dictionary update per record, so the harness adds as little as possible to the builder's share.
            string? current = null;
            long inAdd = 0;
            foreach (var (name, content) in DayRecords(trades))
            {
                if (current is null || !name.StartsWith(current, StringComparison.Ordinal))
                {
                    if (current is not null)
                    {
                        byFolder[current.TrimEnd('/')] = byFolder.GetValueOrDefault(current.TrimEnd('/')) + Stopwatch.GetElapsedTime(0, inAdd);
                    }

                    current = name[..(name.IndexOf('/', name.IndexOf('/') + 1) + 1)];
                    inAdd = 0;
                }

                var started = Stopwatch.GetTimestamp();
                builder.Add(name, content.Span);
                inAdd += Stopwatch.GetTimestamp() - started;
            }

            if (current is not null)
            {
                byFolder[current.TrimEnd('/')] = byFolder.GetValueOrDefault(current.TrimEnd('/')) + Stopwatch.GetElapsedTime(0, inAdd);
            }

            var completing = Stopwatch.GetTimestamp();
            builder.Complete();
            byFolder["(complete)"] = Stopwatch.GetElapsedTime(completing);
        }

        build.Stop();
        var cpuBuilding = Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart - cpuGenerating;
        var allocatedBuilding = GC.GetTotalAllocatedBytes(precise: false) - allocatedAtStart - allocatedGenerating;
        foreach (var (folder2, time) in byFolder.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {folder2}: {time.TotalSeconds:F2} s in the builder"));
        }

        var written = Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{trades:N0} trades, {records:N0} records ({bytes / 1_048_576.0:F0} MiB): generating only {generate.Elapsed.TotalSeconds:F2} s; generating and building the reports {build.Elapsed.TotalSeconds:F2} s; the builder's share {(build.Elapsed - generate.Elapsed).TotalSeconds:F2} s; reports written {written / 1_048_576.0:F0} MiB; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1_048_576.0:F0} MiB"));
        // CPU time says what the work costs whatever else the machine runs: the builder's share is the second minus the first.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU time: generating only {cpuGenerating.TotalSeconds:F2} s; generating and building {cpuBuilding.TotalSeconds:F2} s; the builder's share {(cpuBuilding - cpuGenerating).TotalSeconds:F2} s; load average {File.ReadAllText("/proc/loadavg").Trim()}; garbage collections gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, paused {GC.GetTotalPauseDuration().TotalSeconds:F2} s; allocated: generating only {allocatedGenerating / 1_048_576.0:F0} MiB, generating and building {allocatedBuilding / 1_048_576.0:F0} MiB"));
        return 0;
    }

    /// <summary>
    /// The day's records generated into memory first (contents in large byte chunks, names in an array: what an end of day that
    /// has read its records holds), then built into reports <paramref name="runs"/> times, each run timed alone: wall clock,
    /// CPU, collections, and the builder's own memory — the peak working set of the run less the working set before it, which
    /// holds the records.
    /// </summary>
    private static int ReportsInMemory(int trades, string folder, int runs)
    {
        Directory.CreateDirectory(folder);
        var load = Stopwatch.StartNew();
        var day = InMemoryDay.Of(DayRecords(trades));
        load.Stop();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{trades:N0} trades, {day.Count:N0} records ({day.Bytes / 1_048_576.0:F0} MiB) generated into memory in {load.Elapsed.TotalSeconds:F1} s; working set {Environment.WorkingSet / 1_048_576.0:F0} MiB"));
        for (var run = 1; run <= runs; run++)
        {
            var process = Process.GetCurrentProcess();
            var before = process.WorkingSet64;
            var cpu = process.TotalProcessorTime;
            var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var allocated = GC.GetTotalAllocatedBytes(precise: false);
            var peak = new PeakWorkingSet();
            var clock = Stopwatch.StartNew();
            using (var builder = new DayReportBuilder(Parameters, Folders, new FolderSink(folder)))
            {
                for (var i = 0; i < day.Count; i++)
                {
                    builder.Add(day.Name(i), day.Content(i));
                }
            }

            clock.Stop();
            peak.Stop();
            process.Refresh();
            cpu = process.TotalProcessorTime - cpu;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: reports built in {clock.Elapsed.TotalSeconds:F2} s ({cpu.TotalSeconds:F2} s CPU); the builder's memory: peak working set {(peak.Peak - before) / 1_048_576.0:F0} MiB over the {before / 1_048_576.0:F0} MiB before the run, {(GC.GetTotalAllocatedBytes(precise: false) - allocated) / 1_048_576.0:F0} MiB allocated; collections gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, paused {(GC.GetTotalPauseDuration() - paused).TotalSeconds:F2} s; load average {File.ReadAllText("/proc/loadavg").Trim()}"));
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        GC.KeepAlive(day);
        return 0;
    }

    // The day's records as the builder is given them, held compactly: contents back to back in chunks of up to 256 MiB.
    private sealed class InMemoryDay
    {
        private const int ChunkBytes = 256 << 20;
        private readonly List<byte[]> _chunks = [];
        private readonly List<string> _names = [];
        private readonly List<(int Chunk, int Offset, int Length)> _contents = [];

        public int Count => _names.Count;

        public long Bytes { get; private set; }

        public static InMemoryDay Of(IEnumerable<(string Name, ReadOnlyMemory<byte> Content)> records)
        {
            var day = new InMemoryDay();
            var used = ChunkBytes;
            foreach (var (name, content) in records)
            {
                if (used + content.Length > ChunkBytes)
                {
                    day._chunks.Add(GC.AllocateUninitializedArray<byte>(ChunkBytes));
                    used = 0;
                }

                content.Span.CopyTo(day._chunks[^1].AsSpan(used));
                day._names.Add(name);
                day._contents.Add((day._chunks.Count - 1, used, content.Length));
                used += content.Length;
                day.Bytes += content.Length;
            }

            return day;
        }

        public string Name(int i) => _names[i];

        public ReadOnlySpan<byte> Content(int i)
        {
            var (chunk, offset, length) = _contents[i];
            return _chunks[chunk].AsSpan(offset, length);
        }
    }

    // The process's working set sampled every 20 ms on a thread of its own: a run's own high-water mark, which
    // Process.PeakWorkingSet64 (since the process started) cannot give once the records are loaded.
    private sealed class PeakWorkingSet
    {
        private readonly Thread _thread;
        private volatile bool _stop;

        public PeakWorkingSet()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    Peak = Math.Max(Peak, Environment.WorkingSet);
                    Thread.Sleep(20);
                }
            }) { IsBackground = true };
            Peak = Environment.WorkingSet;
            _thread.Start();
        }

        public long Peak { get; private set; }

        public void Stop()
        {
            _stop = true;
            _thread.Join();
        }
    }

    private static int Verify(int count, string folder)
    {
        var root = new DirectoryInfo(Path.Combine(folder, "bundle"));
        if (root.Exists)
        {
            root.Delete(recursive: true);
        }

        Directory.CreateDirectory(folder);
        File.Delete(Path.Combine(folder, BundleZip));
        var write = Stopwatch.StartNew();
        using var key = ArchiveSigningKey.Generate();
        var hashes = new List<(string Name, byte[] Sha256, long Size)>(count);
        var trades = (count + 3) / 4;
        foreach (var (name, content) in DayRecords(trades).Take(count))
        {
            var path = Path.Combine(root.FullName, ArchiveFormat.RecordsFolder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content.Span);
            hashes.Add((name, SHA256.HashData(content.Span), content.Length));
        }

        var sealedDay = ArchiveSeal.SealHashes(Day, key, hashes);
        foreach (var (path, content) in sealedDay.Files)
        {
            var full = Path.Combine(root.FullName, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }

        write.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{hashes.Count:N0} records written and sealed as a folder in {write.Elapsed.TotalSeconds:F1} s"));
        var trusted = new[] { key.ExportPublicKeyPem() };
        var folderIntact = VerifyFolder(root, trusted);
        WriteZip(root, Path.Combine(folder, BundleZip));
        var zipIntact = VerifyZip(Path.Combine(folder, BundleZip), trusted);
        return folderIntact && zipIntact ? 0 : 1;
    }

    // Verifies the bundle a previous run wrote, as a folder and as a zip (written now if missing), with its own published key:
    // the timing is the same, the writing is skipped.
    private static int VerifyExisting(string folder, string? form)
    {
        var root = new DirectoryInfo(Path.Combine(folder, "bundle"));
        var zip = Path.Combine(folder, BundleZip);
        if (!File.Exists(zip) && form != "folder")
        {
            WriteZip(root, zip);
        }

        var folderIntact = form == "zip" || VerifyFolder(root, []);
        var zipIntact = form == "folder" || VerifyZip(zip, []);
        return folderIntact && zipIntact ? 0 : 1;
    }

    private const string BundleZip = "bundle.zip";

    // `backoffice verify <folder>`; also times the manifest's parse alone, which the verification includes.
    private static bool VerifyFolder(DirectoryInfo root, string[] trusted)
    {
        var manifestBytes = File.ReadAllBytes(Path.Combine(root.FullName, ArchiveFormat.ManifestPath));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var parse = Stopwatch.StartNew();
        _ = ArchiveManifest.TryParse(manifestBytes, out _, out _);
        parse.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        manifestBytes = null;
        return Timed($"folder ({root.FullName}; manifest parse alone {parse.Elapsed.TotalSeconds:F2} s, {cpu.TotalSeconds:F2} s CPU)", () => ArchiveVerifier.Verify(new FolderBundle(root), trusted));
    }

    // `backoffice verify <bundle.zip>`: read by one thread, hashed on the other cores.
    private static bool VerifyZip(string zip, string[] trusted) =>
        Timed($"zip ({zip}, {new FileInfo(zip).Length / 1_048_576.0:F0} MiB)", () =>
        {
            using var bundle = ZipFileBundle.OpenFile(zip);
            return ArchiveVerifier.Verify(bundle, trusted);
        });

    private static bool Timed(string what, Func<VerificationResult> verify)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var collections = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        var result = verify();
        clock.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        collections = GC.CollectionCount(0) - collections;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Manifest?.Records.Count ?? 0:N0} records, {what}: verified in {clock.Elapsed.TotalSeconds:F2} s ({cpu.TotalSeconds:F2} s CPU; {allocated / 1_048_576.0:F0} MiB allocated, {collections} gen0 collections; load average {File.ReadAllText("/proc/loadavg").Trim()}), consistent: {result.Findings.Count == 0} ({result.Findings.Count} findings); peak working set so far {Process.GetCurrentProcess().PeakWorkingSet64 / 1_048_576.0:F0} MiB"));
        return result.Findings.Count == 0;
    }

    // The zip as auditors download it: written by the product's own bundle writer (ArchiveDaySealer.WriteBundleAsync), here
    // over the sealed folder instead of Blob Storage.
    private static void WriteZip(DirectoryInfo root, string zip)
    {
        var clock = Stopwatch.StartNew();
        var store = new SealedFolderStore(root);
        var sealer = new ArchiveDaySealer(store, store, NullLogger<ArchiveDaySealer>.Instance);
        var partial = zip + ".partial";
        using (var stream = File.Create(partial))
        {
            sealer.WriteBundleAsync(Day, stream, CancellationToken.None).GetAwaiter().GetResult();
        }

        File.Move(partial, zip, overwrite: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"zip written by the bundle writer in {clock.Elapsed.TotalSeconds:F1} s: {new FileInfo(zip).Length / 1_048_576.0:F0} MiB"));
    }

    // A sealed bundle folder seen through the archive's storage port, read-only: what the bundle writer reads from Blob Storage.
    private sealed class SealedFolderStore(DirectoryInfo root) : IArchiveStore, IArchiveSigningKeyProvider
    {
        public Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken) =>
            Task.FromResult<Stream?>(new FileStream(Path.Combine(root.FullName, ArchiveFormat.RecordsFolder, name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12));

        public Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken)
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(root.FullName, "*", SearchOption.AllDirectories))
            {
                var path = Path.GetRelativePath(root.FullName, file).Replace(Path.DirectorySeparatorChar, '/');
                if (!path.StartsWith(ArchiveFormat.RecordsFolder, StringComparison.Ordinal))
                {
                    files[path] = File.ReadAllBytes(file);
                }
            }

            return Task.FromResult<IReadOnlyDictionary<string, byte[]>?>(files);
        }

        public IAsyncEnumerable<DateOnly> DaysAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ArchiveSigningKey> GetSigningKeyAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> GetPublicKeysAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>([.. Directory.EnumerateFiles(Path.Combine(root.FullName, ArchiveFormat.KeysFolder)).Order(StringComparer.Ordinal).Select(File.ReadAllText)]);
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class FolderSink(string folder) : IReportFileSink
    {
        public TextWriter Create(string fileName) =>
            new StreamWriter(Path.Combine(folder, fileName), false, new UTF8Encoding(false), 1 << 16);
    }
}
