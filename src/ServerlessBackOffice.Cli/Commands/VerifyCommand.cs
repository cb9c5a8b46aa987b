using System.CommandLine;
using ServerlessBackOffice.Cli.Archive;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice verify</c>: checks an archive bundle offline — signature, every hash, the chain, completeness — with no
/// service of ours. Exit 0 when intact; 1 naming each broken record otherwise; 2 when the bundle cannot be read.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var bundle = new Argument<FileSystemInfo>("bundle")
        {
            Description = "A day's archive bundle: a .zip as downloaded, or the folder it unpacks to.",
        };
        var publicKeys = new Option<FileInfo[]>("--public-key")
        {
            Description = "A PEM public key you trust, obtained independently of the bundle (repeatable). Without one, the keys published in the bundle are used and the result says the signer is unproven.",
            AllowMultipleArgumentsPerToken = true,
        };

        var command = new Command("verify", "Verify an archive bundle offline: signature, every record's hash, the hash chain and completeness.")
        {
            bundle, publicKeys,
        };
        command.SetAction(parseResult =>
        {
            // A million-record bundle is a million opens: skip .NET's advisory flock on each (a shared lock taken and released
            // per file, two system calls of six), since verifying only reads. .NET reads the switch at the process's first
            // file open, so it is set before the keys are read.
            AppContext.SetSwitch("System.IO.DisableFileLocking", true);
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var target = parseResult.GetValue(bundle)!;
            var trusted = (parseResult.GetValue(publicKeys) ?? []).Select(f => File.ReadAllText(f.FullName)).ToList();

            VerificationResult result;
            if (target is DirectoryInfo { Exists: true } folder)
            {
                result = ArchiveVerifier.Verify(new FolderBundle(folder), trusted);
            }
            else if (target is FileInfo { Exists: true } file || File.Exists(target.FullName))
            {
                try
                {
                    using var zip = ZipFileBundle.OpenFile(target.FullName);
                    result = ArchiveVerifier.Verify(zip, trusted);
                }
                catch (InvalidDataException ex)
                {
                    error.WriteLine($"error: {target.FullName} is neither a folder nor a readable zip: {ex.Message}");
                    return 2;
                }
            }
            else
            {
                error.WriteLine($"error: {target.FullName} does not exist.");
                return 2;
            }

            return Report(result, trusted.Count > 0, output);
        });
        return command;
    }

    private static int Report(VerificationResult result, bool keysGiven, TextWriter output)
    {
        if (result.Manifest is { } manifest)
        {
            output.WriteLine($"business date {manifest.BusinessDate:yyyy-MM-dd}, {manifest.Records.Count} records, chain head {manifest.ChainHead}, key {manifest.KeyId}");
        }

        foreach (var finding in result.Findings)
        {
            output.WriteLine($"BROKEN {finding.Problem}: {finding.Subject}: {finding.Detail}");
        }

        if (!result.IsIntact)
        {
            output.WriteLine($"NOT INTACT: {result.Findings.Count} finding(s).");
            return 1;
        }

        output.WriteLine(keysGiven
            ? "INTACT: signed by a trusted key; every record, the chain and the manifest check out."
            : "INTACT (signer unproven): consistent and signed by the key published in the bundle; pass --public-key with a key you trust to prove who signed it.");
        return 0;
    }
}
