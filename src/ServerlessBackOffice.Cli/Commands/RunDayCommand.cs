using System.CommandLine;
using ServerlessBackOffice.Cli.Chaos;
using ServerlessBackOffice.Cli.DayRun;
using Spectre.Console;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice run-day</c>: a full business day of trades through every stage on the local stand-ins.
/// The options are fixed here so that <c>./run.sh</c> and the docs can rely on them; <see cref="DayRunner"/> runs the day.
/// </summary>
internal static class RunDayCommand
{
    public static Command Create() => Create("run-day", "Run a full business day of trades through every stage on local stand-ins; reports and archive land in ./out/<date>.", bench: false);

    /// <summary>
    /// <c>backoffice bench</c>: the same day run, instrumented — trades/s, wall-clock latencies per stage (p50, p99), Cosmos
    /// requests and Service Bus operations per trade — printed and written to <c>bench.txt</c> (docs/performance.md).
    /// </summary>
    public static Command CreateBench() => Create("bench", "Run the day instrumented and report trades/s, latency per stage (p50, p99), Cosmos requests and Service Bus operations per trade.", bench: true);

    private static Command Create(string name, string description, bool bench)
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

        var input = new Option<FileInfo?>("--input")
        {
            Description = "Replay a file of OMS messages instead of the simulated OMS: newline-delimited JSON, each line a contract message or an envelope {messageId, correlationId, applicationProperties, body | bodyBase64}.",
        };
        var mismatchRate = new Option<double>("--mismatch-rate")
        {
            Description = "Share of confirmations a simulated counterparty affirms with a price outside its tolerance.",
            DefaultValueFactory = _ => 0.02,
        };
        var failRate = new Option<double>("--fail-rate")
        {
            Description = "Share of instructions a simulated custodian reports failed on a settlement day.",
            DefaultValueFactory = _ => 0.03,
        };

        var breakRate = new Option<double>("--break-rate")
        {
            Description = "Share of holdings and cash balances a simulated custodian's end-of-day statement disagrees on (reconciliation breaks).",
            DefaultValueFactory = _ => 0.02,
        };

        var chaos = new Option<bool>("--chaos")
        {
            Description = "Inject faults while the day runs — handler crashes, Cosmos DB 429/503/timeouts, Service Bus transient errors and lock loss, duplicate deliveries, reordering — deterministically from the chaos seed; the end state must equal a clean run of the same seed (docs/reliability.md).",
        };
        var chaosSeed = new Option<int?>("--chaos-seed")
        {
            Description = "Seed of the chaos decisions (default: --seed).",
        };
        var chaosRate = new Option<double>("--chaos-rate")
        {
            Description = "Rate of every fault kind: per delivery (crash, bus-transient on settle, lock-loss, duplicate, reorder), per publish (bus-transient) or per Cosmos request (cosmos-*).",
            DefaultValueFactory = _ => ChaosOptions.DefaultRate,
        };
        var chaosRates = new Option<string?>("--chaos-rates")
        {
            Description = "Rates per fault kind, overriding --chaos-rate: kind=rate pairs separated by commas, kinds crash, cosmos-throttle, cosmos-unavailable, cosmos-timeout, bus-transient, lock-loss, duplicate, reorder (e.g. crash=0.05,reorder=0.1).",
        };
        chaosRates.Validators.Add(result =>
        {
            try
            {
                ChaosOptions.Create(0, ChaosOptions.DefaultRate, result.GetValueOrDefault<string?>());
            }
            catch (FormatException ex)
            {
                result.AddError($"--chaos-rates: {ex.Message}");
            }
        });
        chaosRate.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (double.IsNaN(value) || value < 0 || value > 1)
            {
                result.AddError("--chaos-rate must be between 0 and 1.");
            }
        });

        var blob = BlobOption.Create();

        var command = new Command(name, description)
        {
            date, seed, trades, output, input, mismatchRate, failRate, breakRate, chaos, chaosSeed, chaosRate, chaosRates, blob,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new DayRunOptions(
                parseResult.GetValue(date) ?? BusinessDates.DefaultBusinessDate(TimeProvider.System),
                parseResult.GetValue(seed),
                parseResult.GetValue(trades),
                parseResult.GetValue(output)!,
                parseResult.GetValue(input),
                MismatchRate: parseResult.GetValue(mismatchRate),
                FailRate: parseResult.GetValue(failRate),
                BreakRate: parseResult.GetValue(breakRate),
                Bench: bench,
                Chaos: parseResult.GetValue(chaos)
                    ? ChaosOptions.Create(parseResult.GetValue(chaosSeed) ?? parseResult.GetValue(seed), parseResult.GetValue(chaosRate), parseResult.GetValue(chaosRates))
                    : null,
                Blob: BlobOption.Parse(parseResult.GetValue(blob)));
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parseResult.InvocationConfiguration.Output) });
            if (!console.Profile.Capabilities.Interactive)
            {
                // Redirected output (CI, a log file) gets lines wide enough for the summary's tables.
                console.Profile.Width = 120;
            }

            return await new DayRunner(options, console).RunAsync(cancellationToken);
        });
        return command;
    }
}
