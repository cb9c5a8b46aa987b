using ServerlessBackOffice.LocalStandIns;

[assembly: AssemblyFixture(typeof(ServerlessBackOffice.LocalStandIns.Tests.StandInsFixture))]

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>
/// Starts the local stand-ins once for the whole test assembly and stops them when it ends (the children also watch
/// this process, so a cancelled run leaves none behind). With COSMOS_CONNECTION_STRING set, the Cosmos tests run
/// against that account or Microsoft's emulator instead of the stand-in.
/// </summary>
public sealed class StandInsFixture : IAsyncLifetime
{
    /// <summary>Set it to run the Cosmos conformance tests against a real account or Microsoft's emulator.</summary>
    public const string CosmosConnectionVariable = "COSMOS_CONNECTION_STRING";

    private LocalStandIns? standIns;

    public LocalStandIns StandIns => standIns ?? throw new InvalidOperationException("The stand-ins are not started.");

    public string CosmosConnectionString { get; private set; } = string.Empty;

    /// <summary>Where the Cosmos tests run, for messages.</summary>
    public string CosmosTarget { get; private set; } = string.Empty;

    public bool CosmosIsStandIn { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(CosmosConnectionVariable);
        CosmosIsStandIn = string.IsNullOrWhiteSpace(external);
        standIns = await LocalStandIns.StartAsync(
            new LocalStandInsOptions { Cosmos = CosmosIsStandIn },
            logger: null,
            TestContext.Current.CancellationToken);
        CosmosConnectionString = CosmosIsStandIn ? standIns.CosmosConnectionString : external!;
        CosmosTarget = CosmosIsStandIn
            ? $"the local Cosmos stand-in at {standIns.Cosmos!.Endpoint} ({CosmosConnectionVariable} is not set)"
            : $"the account at {LocalCosmos.Endpoint(CosmosConnectionString)} ({CosmosConnectionVariable})";
        TestContext.Current.SendDiagnosticMessage($"Cosmos conformance tests run against {CosmosTarget}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (standIns is not null)
        {
            await standIns.DisposeAsync();
        }
    }
}
