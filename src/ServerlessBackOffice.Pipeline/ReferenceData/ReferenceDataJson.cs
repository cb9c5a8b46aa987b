using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Pipeline.ReferenceData;

/// <summary>
/// Reads reference data from its JSON files (data/reference/*.json; the same documents <c>backoffice load-reference-data</c> puts
/// into Cosmos) and refuses a set with integrity problems rather than capturing trades against broken data.
/// </summary>
public static class ReferenceDataJson
{
    /// <summary>The file names of a complete set.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        "securities.json", "counterparties.json", "custodians.json", "books.json", "accounts.json",
        "commission-schedules.json", "fees.json", "fx-rates.json", "calendars.json", "settlement-conventions.json",
    ];

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // Decimals are written as strings in the files so that no rate or price loses a digit through a double.
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Loads the set embedded in this assembly from data/reference.</summary>
    public static ReferenceDataSet LoadEmbedded() =>
        Load(name => typeof(ReferenceDataJson).Assembly.GetManifestResourceStream("ReferenceData." + name)
            ?? throw new InvalidOperationException($"Reference data file {name} is not embedded."));

    /// <summary>Loads a set, opening each file through <paramref name="open"/>.</summary>
    /// <exception cref="InvalidDataException">A file is malformed or the set has integrity problems.</exception>
    public static ReferenceDataSet Load(Func<string, Stream> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        var set = new ReferenceDataSet(
            Read<Security>(open, "securities.json"),
            Read<Counterparty>(open, "counterparties.json"),
            Read<Custodian>(open, "custodians.json"),
            Read<Book>(open, "books.json"),
            Read<Account>(open, "accounts.json"),
            Read<CommissionSchedule>(open, "commission-schedules.json"),
            Read<FeeRule>(open, "fees.json"),
            Read<FxRate>(open, "fx-rates.json"),
            Read<CalendarDefinition>(open, "calendars.json"),
            Read<SettlementConvention>(open, "settlement-conventions.json"));
        var problems = set.Problems();
        return problems.Count == 0
            ? set
            : throw new InvalidDataException("Reference data has integrity problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    private static List<T> Read<T>(Func<string, Stream> open, string name)
    {
        using var stream = open(name);
        try
        {
            return JsonSerializer.Deserialize<List<T>>(stream, Options) ?? throw new InvalidDataException($"{name} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{name} is malformed: {ex.Message}", ex);
        }
    }
}
