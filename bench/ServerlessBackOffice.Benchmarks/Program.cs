using BenchmarkDotNet.Running;
using ServerlessBackOffice.Benchmarks;

// dotnet run -c Release --project bench/ServerlessBackOffice.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/ServerlessBackOffice.Benchmarks -- ledger-scale ... (scripts/ledger-vs-hledger.sh)
if (args.Length > 0 && args[0] == "ledger-scale")
{
    return LedgerScale.Run(args);
}

// dotnet run -c Release --project bench/ServerlessBackOffice.Benchmarks -- reports-scale reports|verify (docs/performance/reports-and-archive.md)
if (args.Length > 0 && args[0] == "reports-scale")
{
    return ReportsScale.Run(args);
}

// dotnet run -c Release --project bench/ServerlessBackOffice.Benchmarks -- compliance-cpu [--runs 7] (docs/performance.md)
if (args.Length > 0 && args[0] == "compliance-cpu")
{
    return ComplianceCpu.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
