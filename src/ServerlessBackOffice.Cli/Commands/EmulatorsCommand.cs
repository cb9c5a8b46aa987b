using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice emulators</c>: starts the local stand-ins on free loopback ports, provisions the topology's database,
/// containers and blob containers, waits until each answers, prints the <c>local.settings.json</c> a Functions host
/// needs, and stops them all on Ctrl+C.
/// </summary>
internal static class EmulatorsCommand
{
    // Relaxed escaping keeps the keys' '+' readable for copying; the output is a file for a local tool, not HTML.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var command = new Command(
            "emulators",
            "Start Blob Storage (Azurite, which the Functions host's blob leases need; the in-process stand-in with --blob stand-in), the Cosmos DB stand-in and the Service Bus " +
            "emulator on loopback, print the local.settings.json values for `func start`, and keep them running until Ctrl+C.");
        var blob = BlobOption.Create(BlobOption.Azurite);
        command.Options.Add(blob);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var topology = TopologyDocument.Default;

            output.WriteLine("Starting the local stand-ins...");
            LocalStandIns.LocalStandIns standIns;
            try
            {
                standIns = await LocalStandIns.LocalStandIns.StartAsync(
                    new LocalStandInsOptions { BlobImplementation = BlobOption.Parse(parseResult.GetValue(blob)) }, logger: null, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                error.WriteLine($"error: {ex.Message}");
                return 1;
            }
            catch (OperationCanceledException)
            {
                return 130;
            }

            await using (standIns)
            {
                try
                {
                    // Provisioning doubles as the readiness check: each call goes through the real SDK and succeeds
                    // only when the stand-in answers.
                    using (var cosmos = standIns.CreateCosmosClient())
                    {
                        await StandInProvisioning.ProvisionCosmosAsync(cosmos, topology, databaseName: null, cancellationToken);
                    }

                    await StandInProvisioning.ProvisionBlobAsync(standIns.CreateBlobServiceClient(), topology, namePrefix: string.Empty, cancellationToken);

                    output.WriteLine($"Cosmos DB stand-in  {standIns.Cosmos!.Endpoint} (process {standIns.Cosmos.ProcessId})");
                    output.WriteLine(standIns.Azurite is { } azurite
                        ? $"Azurite (Blob)      {azurite.BlobEndpoint} (process {azurite.ProcessId})"
                        : $"Blob stand-in       {standIns.BlobEndpoint} (in this process)");
                    if (standIns.Azurite is null)
                    {
                        // The Functions host keeps its own locks and timer state in AzureWebJobsStorage with blob leases,
                        // which the stand-in does not implement (decision 0072).
                        output.WriteLine("Note: for `func start`, whose host takes blob leases in AzureWebJobsStorage, use the default, --blob azurite.");
                    }
                    output.WriteLine($"Service Bus         sb://127.0.0.1:{standIns.ServiceBus!.Port} (in this process; entities from infra/topology.json)");
                    output.WriteLine();
                    output.WriteLine("local.settings.json:");
                    output.WriteLine(LocalSettingsJson(standIns.LocalSettings(topology)));
                    output.WriteLine();
                    output.WriteLine("Running. Press Ctrl+C to stop.");
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C: fall through to the disposal, which stops every child by its PID.
                }
            }

            output.WriteLine("Stopped the local stand-ins.");
            return 0;
        });
        return command;
    }

    /// <summary>The file a Functions host reads, with every setting under Values.</summary>
    internal static string LocalSettingsJson(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var values = new JsonObject { ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated" };
        foreach (var (name, value) in settings)
        {
            values[name] = value;
        }

        return new JsonObject { ["IsEncrypted"] = false, ["Values"] = values }.ToJsonString(Indented);
    }
}
