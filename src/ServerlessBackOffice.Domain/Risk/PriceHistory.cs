using System.Globalization;

namespace ServerlessBackOffice.Domain.Risk;

/// <summary>Daily close prices per instrument, oldest first, on common dates.</summary>
public sealed class PriceHistory
{
    private readonly Dictionary<string, SortedDictionary<DateOnly, decimal>> _closes = new(StringComparer.Ordinal);

    /// <summary>Instruments with at least one close.</summary>
    public IReadOnlyCollection<string> Instruments => _closes.Keys;

    /// <summary>Adds a close; a second close for the same instrument and date is an error in the source data.</summary>
    public void Add(string instrument, DateOnly date, decimal close)
    {
        if (close <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(close), close, $"Close of {instrument} on {date:yyyy-MM-dd} must be positive.");
        }

        if (!_closes.TryGetValue(instrument, out var series))
        {
            _closes[instrument] = series = [];
        }

        if (!series.TryAdd(date, close))
        {
            throw new ArgumentException($"Two closes for {instrument} on {date:yyyy-MM-dd}.", nameof(date));
        }
    }

    /// <summary>The last <paramref name="count"/> closes of an instrument up to and including <paramref name="asOf"/>.</summary>
    public IReadOnlyList<decimal> Closes(string instrument, DateOnly asOf, int count) =>
        _closes.TryGetValue(instrument, out var series)
            ? series.Where(c => c.Key <= asOf).Select(c => c.Value).TakeLast(count).ToList()
            : [];

    /// <summary>The last <paramref name="count"/> closes of an instrument up to and including <paramref name="asOf"/>, with their dates, oldest first.</summary>
    public IReadOnlyList<(DateOnly Date, decimal Close)> DatedCloses(string instrument, DateOnly asOf, int count) =>
        _closes.TryGetValue(instrument, out var series)
            ? series.Where(c => c.Key <= asOf).Select(c => (c.Key, c.Value)).TakeLast(count).ToList()
            : [];

    /// <summary>The daily returns of every instrument over the window ending at <paramref name="asOf"/>.</summary>
    /// <exception cref="InvalidOperationException">An instrument has fewer than <paramref name="window"/> + 1 closes.</exception>
    public IReadOnlyDictionary<string, decimal[]> Returns(IEnumerable<string> instruments, DateOnly asOf, int window)
    {
        ArgumentNullException.ThrowIfNull(instruments);
        var result = new Dictionary<string, decimal[]>(StringComparer.Ordinal);
        foreach (var instrument in instruments.Distinct(StringComparer.Ordinal))
        {
            var closes = Closes(instrument, asOf, window + 1);
            if (closes.Count < window + 1)
            {
                throw new InvalidOperationException($"{instrument} has {closes.Count} closes up to {asOf:yyyy-MM-dd}; a {window}-day VaR needs {window + 1}.");
            }

            result[instrument] = HistoricalVar.Returns(closes);
        }

        return result;
    }

    /// <summary>
    /// Reads a CSV of closes with the header <c>date,isin,close</c> (ISO dates, invariant decimals), as exported by
    /// most market data vendors after a column rename. Blank lines are skipped; anything else malformed is an error
    /// naming its line, because a silently dropped price understates risk.
    /// </summary>
    public static PriceHistory ParseCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var history = new PriceHistory();
        var header = reader.ReadLine();
        if (header is null || !string.Equals(header.Trim(), "date,isin,close", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("The price file must start with the header 'date,isin,close'.");
        }

        var lineNumber = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != 3
                || !DateOnly.TryParseExact(fields[0].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || !decimal.TryParse(fields[2].Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var close)
                || close <= 0m)
            {
                throw new FormatException($"Line {lineNumber} is not 'yyyy-MM-dd,ISIN,positive close': '{line}'.");
            }

            history.Add(fields[1].Trim(), date, close);
        }

        return history;
    }

    /// <summary>
    /// A deterministic sample history: for each instrument, <paramref name="days"/> weekday closes ending at
    /// <paramref name="end"/>, a random walk whose daily moves are drawn from an integer approximation of a normal
    /// distribution (sum of twelve uniforms) scaled by the instrument's daily volatility. Same seed, same prices —
    /// on every machine, since no floating point is involved.
    /// </summary>
    public static PriceHistory Synthetic(IEnumerable<(string Instrument, decimal StartPrice, decimal DailyVolatility)> instruments, DateOnly end, int days, int seed)
    {
        ArgumentNullException.ThrowIfNull(instruments);
        var dates = new List<DateOnly>(days);
        for (var d = end; dates.Count < days; d = d.AddDays(-1))
        {
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                dates.Add(d);
            }
        }

        dates.Reverse();
        var history = new PriceHistory();
        foreach (var (instrument, start, volatility) in instruments)
        {
            var state = Mix((ulong)(uint)seed, instrument);
            var price = start;
            foreach (var date in dates)
            {
                var sum = 0L;
                for (var i = 0; i < 12; i++)
                {
                    state = XorShift(state);
                    sum += (long)(state % 1_000_001UL);
                }

                // Sum of 12 uniforms on [0,1] has mean 6 and variance 1: a standard normal approximation.
                var z = (sum / 1_000_000m) - 6m;
                price = Math.Max(0.01m, Math.Round(price * (1m + (volatility * z)), 4, MidpointRounding.ToEven));
                history.Add(instrument, date, price);
            }
        }

        return history;
    }

    private static ulong Mix(ulong seed, string text)
    {
        // FNV-1a over the instrument id, so each instrument gets its own stream from one seed.
        var hash = 14695981039346656037UL ^ seed;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash == 0 ? 0x9E3779B97F4A7C15UL : hash;
    }

    private static ulong XorShift(ulong x)
    {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    }
}
