using System.CommandLine;
using System.Runtime;
using ServerlessBackOffice.Cli.LoadRun;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice load-day</c>: the reliability campaign's load run (issue 12) — a trade date and its settlement through the
/// function app's functions with in-memory adapters, checking that nothing is left behind and reporting peak memory
/// (docs/reliability.md, "Load").
/// </summary>
internal static class LoadDayCommand
{
    public static Command Create()
    {
        var date = new Option<DateOnly?>("--date") { Description = "Trade date (yyyy-MM-dd). Default: the latest weekday on or before today in New York." };
        var seed = new Option<int>("--seed") { Description = "Seed for the simulated OMS, counterparties and custodians.", DefaultValueFactory = _ => 1 };
        var trades = new Option<int>("--trades") { Description = "Number of trades the simulated OMS publishes.", DefaultValueFactory = _ => 1_000_000 };
        trades.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError("--trades must be a positive number.");
            }
        });

        var command = new Command("load-day", "Run a trade date and its settlement through every function with in-memory adapters; checks nothing is left behind and reports peak memory.")
        {
            date, seed, trades,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;

            // One thread does all the work and nothing waits on a pause: blocking collections leave less floating garbage
            // behind than background ones (a lower peak) and do not compete with the run for the machine's cores.
            GCSettings.LatencyMode = GCLatencyMode.Batch;
            var options = new LoadRunOptions(parseResult.GetValue(date) ?? BusinessDates.DefaultBusinessDate(TimeProvider.System), parseResult.GetValue(seed), parseResult.GetValue(trades));
            await output.WriteLineAsync($"backoffice load-day {options.Date:yyyy-MM-dd}, seed {options.Seed}: {options.Trades:N0} trades, in-memory adapters");
            var result = await new InMemoryDayRun(options).RunAsync(line => output.WriteLine("  " + line), cancellationToken);
            await output.WriteAsync(result.Render());
            return result.Passed ? 0 : 1;
        });
        return command;
    }
}
