using ServerlessBackOffice.Cli.Chaos;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>What a day run does: which day, which seed, how many trades, where the output goes, and the simulators' rates, and
/// the faults a chaos run injects (none by default), and which Blob Storage service runs (the in-process stand-in by default).</summary>
internal sealed record DayRunOptions(
    DateOnly Date,
    int Seed,
    int Trades,
    DirectoryInfo Output,
    FileInfo? Input,
    double MismatchRate = 0.02,
    double SilenceRate = 0.005,
    double FailRate = 0.03,
    double PartialRate = 0.01,
    double BreakRate = 0.02,
    bool Bench = false,
    ChaosOptions? Chaos = null,
    BlobImplementation Blob = BlobImplementation.StandIn);
