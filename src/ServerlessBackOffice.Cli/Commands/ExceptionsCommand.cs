using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Exceptions;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Commands;

/// <summary>
/// <c>backoffice exceptions list|show|repairs|propose|approve|reject</c>: the exceptions view and maker-checker repairs
/// against the stand-ins `backoffice emulators` runs (or any Cosmos, Service Bus and Blob account given by connection
/// strings). The same services as the HTTP API; locally the person is <c>--user</c> (default: the OS user), and a maker
/// still cannot approve their own repair.
/// </summary>
internal static class ExceptionsCommand
{
    private static readonly Option<string> Cosmos = new("--cosmos") { Description = $"Cosmos connection string (default: the {BackOfficeServices.CosmosConnectionSetting} environment variable, as `backoffice emulators` prints it)." };
    private static readonly Option<string> ServiceBus = new("--service-bus") { Description = $"Service Bus connection string (default: the {TopologyDocument.Default.ServiceBus.NamespaceAppSetting} environment variable)." };
    private static readonly Option<string> Storage = new("--storage") { Description = "Blob Storage connection string of the archive (default: the StorageConnection environment variable)." };
    private static readonly Option<string> Database = new("--database") { Description = "Cosmos database (default: the topology's).", DefaultValueFactory = _ => Entities.CosmosDatabase.Name };
    private static readonly Option<string> User = new("--user") { Description = "Who you are (maker or checker); default: the OS user name.", DefaultValueFactory = _ => Environment.UserName };
    private static readonly Option<DateOnly?> AsOf = new("--as-of") { Description = "Age exceptions as of this date (yyyy-MM-dd; default: today in New York)." };

    public static Command Create()
    {
        var command = new Command("exceptions", "The exceptions view and maker-checker repairs (resubmit, force-match, cancel and rebook, explain a break).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Repairs());
        command.Subcommands.Add(Propose());
        command.Subcommands.Add(Decide("approve", "Approve a repair and execute it (not your own)."));
        command.Subcommands.Add(Decide("reject", "Reject a repair (not your own)."));
        return command;
    }

    private static Command List()
    {
        var type = new Option<ExceptionType?>("--type") { Description = "Only this type: " + string.Join(", ", Enum.GetNames<ExceptionType>()) + "." };
        var command = new Command("list", "List open exceptions, oldest first, then the counts by type and age.") { type, AsOf };
        AddConnection(command);
        command.SetAction(async (parse, ct) => await WithServicesAsync(parse, async (provider, output) =>
        {
            var asOf = parse.GetValue(AsOf) ?? Today();
            var views = await provider.GetRequiredService<ExceptionsQuery>().ListAsync(asOf, parse.GetValue(type), ct);
            foreach (var v in views)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v.Case.CaseId}\t{v.Case.Type}\t{v.AgeBusinessDays}d\t{v.Case.Owner}\t{v.Case.Reason}"));
            }

            output.WriteLine($"{views.Count} open; {ExceptionsQuery.SummaryLine(ExceptionsView.Summary(views.Select(v => v.Case), asOf, ExceptionsQuery.BusinessDay))}");
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var caseId = new Argument<string>("caseId") { Description = "The case id from `exceptions list`." };
        var command = new Command("show", "Show one open exception: reason, age, owner, history and its repairs.") { caseId, AsOf };
        AddConnection(command);
        command.SetAction(async (parse, ct) => await WithServicesAsync(parse, async (provider, output) =>
        {
            var view = await provider.GetRequiredService<ExceptionsQuery>().GetAsync(parse.GetValue(caseId)!, parse.GetValue(AsOf) ?? Today(), ct);
            if (view is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {parse.GetValue(caseId)} is not an open exception.");
                return 1;
            }

            output.WriteLine($"case:    {view.Case.CaseId}");
            output.WriteLine($"type:    {view.Case.Type}");
            output.WriteLine($"subject: {view.Case.Subject}");
            output.WriteLine($"reason:  {view.Case.Reason}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raised:  {view.Case.RaisedOn:yyyy-MM-dd} ({view.AgeBusinessDays} business days)"));
            output.WriteLine($"owner:   {view.Case.Owner}");
            foreach (var line in view.Case.History)
            {
                output.WriteLine($"  {line}");
            }

            foreach (var repair in view.Repairs)
            {
                output.WriteLine($"repair {repair.RepairId}: {repair.Kind} {repair.State} (maker {repair.Maker}{(repair.Checker is null ? string.Empty : ", checker " + repair.Checker)})");
            }

            return 0;
        }));
        return command;
    }

    private static Command Repairs()
    {
        var command = new Command("repairs", "List every repair with its state.");
        AddConnection(command);
        command.SetAction(async (parse, ct) => await WithServicesAsync(parse, async (provider, output) =>
        {
            await foreach (var r in provider.GetRequiredService<RepairService>().ListAsync(ct))
            {
                output.WriteLine($"{r.RepairId}\t{r.Kind}\t{r.State}\t{r.Subject}\tmaker {r.Maker}\tchecker {r.Checker ?? "-"}\t{r.Reason}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Propose()
    {
        var caseId = new Argument<string>("caseId") { Description = "The case id from `exceptions list`." };
        var kind = new Option<RepairKind>("--kind") { Description = "ResubmitMessage, ForceMatch, CancelAndRebook or ExplainBreak.", Required = true };
        var after = new Option<string>("--after") { Description = "The corrected body, tolerance (priceBasisPoints=…;netAmount=…), rebooked trade JSON or explanation." };
        var afterFile = new Option<FileInfo>("--after-file") { Description = "Read --after from a file (a corrected body or a rebooked trade)." };
        var reason = new Option<string>("--reason") { Description = "Why (kept with the repair and archived).", Required = true };
        var command = new Command("propose", "Propose a repair of an exception (you are the maker).") { caseId, kind, after, afterFile, reason, User };
        AddConnection(command);
        command.SetAction(async (parse, ct) => await WithServicesAsync(parse, async (provider, output) =>
        {
            var text = parse.GetValue(afterFile) is { } file ? await File.ReadAllTextAsync(file.FullName, ct) : parse.GetValue(after) ?? string.Empty;
            var result = await provider.GetRequiredService<RepairService>().ProposeAsync(parse.GetValue(kind), parse.GetValue(caseId)!, text, parse.GetValue(reason)!, parse.GetValue(User)!, ct);
            return Report(parse, output, result);
        }));
        return command;
    }

    private static Command Decide(string name, string description)
    {
        var repairId = new Argument<string>("repairId") { Description = "The repair id from `exceptions repairs` or `propose`." };
        var comment = new Option<string>("--comment") { Description = "A comment kept with the decision." };
        var command = new Command(name, description) { repairId, comment, User };
        AddConnection(command);
        command.SetAction(async (parse, ct) => await WithServicesAsync(parse, async (provider, output) =>
        {
            var service = provider.GetRequiredService<RepairService>();
            var result = name == "approve"
                ? await service.ApproveAsync(parse.GetValue(repairId)!, parse.GetValue(User)!, parse.GetValue(comment), ct)
                : await service.RejectAsync(parse.GetValue(repairId)!, parse.GetValue(User)!, parse.GetValue(comment), ct);
            return Report(parse, output, result);
        }));
        return command;
    }

    private static int Report(ParseResult parse, TextWriter output, RepairResult result)
    {
        var ok = result.Outcome is RepairOutcome.Proposed or RepairOutcome.Executed or RepairOutcome.Rejected or RepairOutcome.AlreadyExecuted;
        (ok ? output : parse.InvocationConfiguration.Error).WriteLine($"{result.Outcome}: {result.Description}");
        return ok ? 0 : 1;
    }

    private static void AddConnection(Command command)
    {
        command.Options.Add(Cosmos);
        command.Options.Add(ServiceBus);
        command.Options.Add(Storage);
        command.Options.Add(Database);
    }

    private static DateOnly Today() => ArchiveRecordNames.DayOf(TimeProvider.System.GetUtcNow());

    private static async Task<int> WithServicesAsync(ParseResult parse, Func<IServiceProvider, TextWriter, Task<int>> action)
    {
        var error = parse.InvocationConfiguration.Error;
        var cosmos = parse.GetValue(Cosmos) ?? Environment.GetEnvironmentVariable(BackOfficeServices.CosmosConnectionSetting);
        var serviceBusSetting = TopologyDocument.Default.ServiceBus.NamespaceAppSetting;
        var serviceBus = parse.GetValue(ServiceBus) ?? Environment.GetEnvironmentVariable(serviceBusSetting);
        var storage = parse.GetValue(Storage) ?? Environment.GetEnvironmentVariable("StorageConnection");
        if (string.IsNullOrWhiteSpace(cosmos) || string.IsNullOrWhiteSpace(serviceBus) || string.IsNullOrWhiteSpace(storage))
        {
            error.WriteLine($"error: give --cosmos, --service-bus and --storage, or set {BackOfficeServices.CosmosConnectionSetting}, {serviceBusSetting} and StorageConnection (`backoffice emulators` prints them).");
            return 2;
        }

        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [BackOfficeServices.CosmosConnectionSetting] = cosmos,
            [serviceBusSetting] = serviceBus,
            ["ArchiveStorage:connectionString"] = storage,
            [Entities.CosmosDatabase.AppSetting] = parse.GetValue(Database),
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddBackOffice(configuration);
        services.AddExceptionManagement(configuration);
        await using var provider = services.BuildServiceProvider();
        return await action(provider, parse.InvocationConfiguration.Output);
    }
}
