using System.CommandLine;
using System.Globalization;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice run-day</c>: a full business day of trades through every stage on the local stand-ins.
/// The options are fixed here so that <c>./run.sh</c> and the docs can rely on them; the stages are wired in as they land.
/// </summary>
internal static class RunDayCommand
{
    public static Command Create()
    {
        var date = new Option<DateOnly?>("--date")
        {
            Description = "Business date to run (yyyy-MM-dd). Default: the latest weekday on or before today in New York (see docs/decisions/0004-default-business-date.md).",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed for the simulated OMS, counterparties and custodian; the same seed gives the same day byte for byte.",
            DefaultValueFactory = _ => 1,
        };
        var trades = new Option<int>("--trades")
        {
            Description = "Number of trades the simulated OMS publishes.",
            DefaultValueFactory = _ => 10_000,
        };
        trades.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError("--trades must be a positive number.");
            }
        });
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder for reports and the archive bundle.",
            DefaultValueFactory = _ => new DirectoryInfo("out"),
        };

        var command = new Command("run-day", "Run a full business day of trades through every stage on local stand-ins; reports and archive land in ./out/<date>.")
        {
            date, seed, trades, output,
        };
        command.SetAction(parseResult =>
        {
            var businessDate = parseResult.GetValue(date) ?? BusinessDates.DefaultBusinessDate(TimeProvider.System);
            var topology = TopologyDocument.Default;
            var console = parseResult.InvocationConfiguration.Output;
            console.WriteLine($"backoffice run-day --date {businessDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} --seed {parseResult.GetValue(seed)} --trades {parseResult.GetValue(trades)}");
            console.WriteLine();
            console.WriteLine("The stages of the day run are not wired in yet (capture, confirmation, settlement, ledger, reports and");
            console.WriteLine("archive each land with their own issue; the day run itself with the function-app issue).");
            console.WriteLine("What exists and ran now: the topology the day run will use, loaded and validated:");
            console.WriteLine($"  {topology.ServiceBus.Queues.Count} queues, {topology.ServiceBus.Topics.Count} topics with {topology.ServiceBus.Topics.Sum(t => t.Subscriptions.Count)} subscriptions, " +
                              $"{topology.Cosmos.Containers.Count} Cosmos containers, {topology.Blob.Containers.Count} blob containers.");
            return 0;
        });
        return command;
    }
}
