using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ServerlessBackOffice.Capture.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
