using System.CommandLine;
using System.IO.Compression;
using ServerlessBackOffice.Cli.Archive;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.Reports;
using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice replay</c>: recomputes a day's reports from the bundle's records alone — the same code the end of day runs —
/// and compares them byte for byte with the reports archived in it. Exit 0 when every report is reproduced; 1 naming each
/// report or input that differs; 2 when the bundle cannot be read or holds no reports.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var bundle = new Argument<FileSystemInfo>("bundle")
        {
            Description = "A day's archive bundle: a .zip as downloaded, or the folder it unpacks to.",
        };
        var command = new Command("replay", "Recompute a day's reports from an archive bundle's records and compare them byte for byte with the archived reports.")
        {
            bundle,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var target = parseResult.GetValue(bundle)!;
            ReplayResult result;
            if (target is DirectoryInfo { Exists: true } folder)
            {
                result = DayReplay.Replay(new FolderBundle(folder), ReportFolders.FromTopology());
            }
            else if (File.Exists(target.FullName))
            {
                try
                {
                    using var zip = ZipFile.OpenRead(target.FullName);
                    result = DayReplay.Replay(new ZipArchiveBundle(zip), ReportFolders.FromTopology());
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

            return Report(result, output, error);
        });
        return command;
    }

    private static int Report(ReplayResult result, TextWriter output, TextWriter error)
    {
        if (result.Books.Count == 0)
        {
            error.WriteLine("error: the bundle holds no reports (no records/reports/<book>.inputs.csv): nothing to replay.");
            return 2;
        }

        output.WriteLine($"books {string.Join(", ", result.Books)}: {result.ReportsCompared} reports recomputed and compared");
        foreach (var finding in result.Findings)
        {
            output.WriteLine($"DIFFERS {finding.Problem}: {finding.Subject}: {finding.Detail}");
        }

        if (!result.IsIdentical)
        {
            output.WriteLine($"NOT REPRODUCED: {result.Findings.Count} finding(s).");
            return 1;
        }

        output.WriteLine("REPRODUCED: every report is byte-identical to the one recomputed from the archived records.");
        return 0;
    }
}
