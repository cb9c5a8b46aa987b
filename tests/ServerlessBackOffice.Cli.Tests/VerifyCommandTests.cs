using System.CommandLine;
using System.IO.Compression;
using System.Text;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>`backoffice verify` on bundles written to disk, as a folder and as a zip.</summary>
public sealed class VerifyCommandTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sbo-verify-");
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();

    public void Dispose()
    {
        _key.Dispose();
        _root.Delete(recursive: true);
    }

    private DirectoryInfo WriteBundle()
    {
        var folder = _root.CreateSubdirectory("bundle");
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["inbound/oms/T-1-v1.json"] = Encoding.UTF8.GetBytes("""{"tradeId":"T-1"}"""),
            ["state/trades/T-1-v1.json"] = Encoding.UTF8.GetBytes("""{"tradeId":"T-1","state":"Captured"}"""),
        };
        var seal = ArchiveSeal.Seal(new DateOnly(2026, 11, 24), _key, records.Select(r => (r.Key, (ReadOnlyMemory<byte>)r.Value)));
        foreach (var (path, bytes) in records.Select(r => (ArchiveFormat.RecordsFolder + r.Key, r.Value)).Concat(seal.Files.Select(f => (f.Key, f.Value))))
        {
            var file = Path.Combine(folder.FullName, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
        }

        return folder;
    }

    private string WriteTrustedKey()
    {
        var path = Path.Combine(_root.FullName, "trusted.pem");
        File.WriteAllText(path, _key.ExportPublicKeyPem());
        return path;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await BackOfficeCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString() + error);
    }

    [Fact]
    public async Task Verify_WhenFolderBundleIsIntactAndKeyTrusted_ExitsZero()
    {
        var folder = WriteBundle();

        var (exitCode, output) = await RunAsync("verify", folder.FullName, "--public-key", WriteTrustedKey());

        Assert.Equal(0, exitCode);
        Assert.Contains("INTACT: signed by a trusted key", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WhenNoKeyIsGiven_SaysTheSignerIsUnproven()
    {
        var (exitCode, output) = await RunAsync("verify", WriteBundle().FullName);

        Assert.Equal(0, exitCode);
        Assert.Contains("signer unproven", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WhenARecordIsAltered_ExitsNonZeroNamingIt()
    {
        var folder = WriteBundle();
        File.WriteAllText(Path.Combine(folder.FullName, "records", "state", "trades", "T-1-v1.json"), """{"tradeId":"T-1","state":"Settled"}""");

        var (exitCode, output) = await RunAsync("verify", folder.FullName, "--public-key", WriteTrustedKey());

        Assert.Equal(1, exitCode);
        Assert.Contains("BROKEN RecordAltered: state/trades/T-1-v1.json", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WhenGivenTheZipAsDownloaded_ChecksItInPlace()
    {
        var folder = WriteBundle();
        var zip = Path.Combine(_root.FullName, "2026-11-24.zip");
        ZipFile.CreateFromDirectory(folder.FullName, zip);

        var (exitCode, output) = await RunAsync("verify", zip, "--public-key", WriteTrustedKey());

        Assert.Equal(0, exitCode);
        Assert.Contains("2 records", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WhenThePathDoesNotExist_ExitsTwo()
    {
        var (exitCode, output) = await RunAsync("verify", Path.Combine(_root.FullName, "nothing-here"));

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }
}
