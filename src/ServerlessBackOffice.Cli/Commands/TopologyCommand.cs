using System.CommandLine;
using System.Text.Json;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary><c>backoffice topology</c>: shows the entity topology and converts it for the emulator and the README.</summary>
internal static class TopologyCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("topology", "Show the Service Bus, Cosmos DB and Blob Storage entities from infra/topology.json.");

        var show = new Command("show", "List every entity with its kind and the app setting that carries its name.");
        show.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var topology = TopologyDocument.Default;
            var settings = topology.AppSettings().ToDictionary(s => s.Name, s => s.AppSetting);
            foreach (var (kind, name) in topology.AllEntityNames())
            {
                output.WriteLine($"{kind,-18} {name,-28} {(settings.TryGetValue(name, out var setting) ? setting : string.Empty)}");
            }

            return 0;
        });

        var emulatorConfig = new Command("emulator-config", "Write the Service Bus entities in the Config.json shape of Microsoft's Service Bus emulator.");
        emulatorConfig.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Output.WriteLine(EmulatorConfig.FromTopology(TopologyDocument.Default).ToJsonString(Indented));
            return 0;
        });

        var mermaid = new Command("mermaid", "Write the architecture diagram (Mermaid) that README.md embeds.");
        mermaid.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Output.Write(ArchitectureDiagram.ToMermaid(TopologyDocument.Default));
            return 0;
        });

        command.Subcommands.Add(show);
        command.Subcommands.Add(emulatorConfig);
        command.Subcommands.Add(mermaid);
        return command;
    }
}
