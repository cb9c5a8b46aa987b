using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ServerlessBackOffice.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
