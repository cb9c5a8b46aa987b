using System.CommandLine;
using ServerlessBackOffice.Cli.Commands;

namespace ServerlessBackOffice.Cli;

/// <summary>The root of the <c>backoffice</c> command; later issues add their subcommands here.</summary>
internal static class BackOfficeCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "ServerlessBackOffice: a serverless post-trade back office. Runs a business day locally, " +
            "manages the local stand-ins, and verifies and replays the archive.");
        root.Subcommands.Add(RunDayCommand.Create());
        root.Subcommands.Add(RunDayCommand.CreateBench());
        root.Subcommands.Add(LoadDayCommand.Create());
        root.Subcommands.Add(TopologyCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(EmulatorsCommand.Create());
        root.Subcommands.Add(ExportLedgerCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(ExceptionsCommand.Create());
        root.Subcommands.Add(LoadReferenceDataCommand.Create());
        root.Subcommands.Add(LoadReferenceDataCommand.CreateReferenceGroup());
        return root;
    }
}
