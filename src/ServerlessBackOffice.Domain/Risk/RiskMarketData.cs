using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Risk;

/// <summary>What risk needs to know of a security: how to value it and how the stress scenarios treat it.</summary>
/// <param name="Isin">The instrument.</param>
/// <param name="AssetClass">Equity, government or corporate bond.</param>
/// <param name="Currency">The currency its price is in.</param>
/// <param name="PriceFactor">Units of value per unit of quantity × price (bonds: per unit of nominal, price in percent of par).</param>
/// <param name="CouponRate">Annual coupon (0.045 = 4.5%), bonds only.</param>
/// <param name="CouponFrequency">Coupons a year, bonds only.</param>
/// <param name="Maturity">Maturity date, bonds only.</param>
public sealed record RiskSecurity(string Isin, AssetClass AssetClass, string Currency, decimal PriceFactor, decimal? CouponRate, int? CouponFrequency, DateOnly? Maturity)
{
    /// <summary>The risk terms of a reference-data security.</summary>
    public static RiskSecurity From(Security security)
    {
        ArgumentNullException.ThrowIfNull(security);
        return new(security.Isin, security.AssetClass, security.Currency, security.PriceFactor, security.CouponRate, security.CouponFrequency, security.Maturity);
    }
}

/// <summary>
/// Everything the day's risk figures are computed from besides the positions: each book's base currency, the securities'
/// terms, the FX fixings in force and the closes of the VaR window, all as of one business date. The end of day archives
/// it as one record of the day (<see cref="RecordName"/>), so the reports computed from the day's records — and
/// <c>backoffice replay</c> — never need a price source or reference data of their own: the same record gives the same figures.
/// </summary>
/// <param name="AsOf">The business date of the figures.</param>
/// <param name="BaseCurrencyByBook">Each book's base currency.</param>
/// <param name="Securities">The securities' risk terms by ISIN.</param>
/// <param name="FxRates">Per currency pair, the latest fixing on or before <paramref name="AsOf"/>.</param>
/// <param name="Prices">Per security, the last closes up to <paramref name="AsOf"/> (<see cref="HistoricalVar.DefaultWindow"/> + 1 of them when the source has them).</param>
public sealed record RiskMarketData(
    DateOnly AsOf,
    IReadOnlyDictionary<string, string> BaseCurrencyByBook,
    IReadOnlyDictionary<string, RiskSecurity> Securities,
    IReadOnlyList<FxRate> FxRates,
    PriceHistory Prices)
{
    /// <summary>The archive record holding a day's market data: one per day, written at the first book's close.</summary>
    public const string RecordName = "market-data/risk-inputs.json";

    /// <summary>The folder of market-data records in a day's archive.</summary>
    public const string RecordFolder = "market-data/";

    /// <summary>The record's format version; a reader refuses any other.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// Takes what risk needs from reference data and a price history: every book, every security, the FX fixing of each
    /// pair in force on <paramref name="asOf"/>, and each security's last <see cref="HistoricalVar.DefaultWindow"/> + 1
    /// closes up to <paramref name="asOf"/>. The figures computed from the result equal those computed from the full sources.
    /// </summary>
    public static RiskMarketData From(ReferenceDataSet referenceData, PriceHistory priceHistory, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(referenceData);
        ArgumentNullException.ThrowIfNull(priceHistory);
        var books = referenceData.Books.Values.ToDictionary(b => b.Id, b => b.BaseCurrency, StringComparer.Ordinal);
        var securities = referenceData.Securities.Values.ToDictionary(s => s.Isin, RiskSecurity.From, StringComparer.Ordinal);
        var fx = referenceData.FxRates.Where(r => r.Date <= asOf)
            .GroupBy(r => (r.Base, r.Quote))
            .Select(g => g.MaxBy(r => r.Date)!)
            .OrderBy(r => r.Base, StringComparer.Ordinal).ThenBy(r => r.Quote, StringComparer.Ordinal)
            .ToList();
        var prices = new PriceHistory();
        foreach (var isin in securities.Keys.Order(StringComparer.Ordinal))
        {
            foreach (var (date, close) in priceHistory.DatedCloses(isin, asOf, HistoricalVar.DefaultWindow + 1))
            {
                prices.Add(isin, date, close);
            }
        }

        return new RiskMarketData(asOf, books, securities, fx, prices);
    }

    /// <summary>
    /// The record's bytes: indented JSON, keys and rows in ordinal order, every decimal as an invariant string, closes as one
    /// array per security aligned on the record's list of dates (a missing close is null). Equal data, equal bytes.
    /// </summary>
    public byte[] ToJson()
    {
        var dates = Prices.Instruments.SelectMany(i => Prices.DatedCloses(i, AsOf, int.MaxValue).Select(c => c.Date)).Distinct().Order().ToList();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("formatVersion", FormatVersion);
            json.WriteString("asOf", Date(AsOf));
            json.WriteStartObject("books");
            foreach (var (book, currency) in BaseCurrencyByBook.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                json.WriteString(book, currency);
            }

            json.WriteEndObject();
            json.WriteStartArray("fxRates");
            foreach (var rate in FxRates.OrderBy(r => r.Base, StringComparer.Ordinal).ThenBy(r => r.Quote, StringComparer.Ordinal).ThenBy(r => r.Date))
            {
                json.WriteStartObject();
                json.WriteString("date", Date(rate.Date));
                json.WriteString("base", rate.Base);
                json.WriteString("quote", rate.Quote);
                json.WriteString("rate", Number(rate.Rate));
                json.WriteString("source", rate.Source);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("dates");
            foreach (var date in dates)
            {
                json.WriteStringValue(Date(date));
            }

            json.WriteEndArray();
            json.WriteStartArray("securities");
            foreach (var security in Securities.Values.OrderBy(s => s.Isin, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("isin", security.Isin);
                json.WriteString("assetClass", security.AssetClass.ToString());
                json.WriteString("currency", security.Currency);
                json.WriteString("priceFactor", Number(security.PriceFactor));
                if (security.CouponRate is { } coupon)
                {
                    json.WriteString("couponRate", Number(coupon));
                }

                if (security.CouponFrequency is { } frequency)
                {
                    json.WriteNumber("couponFrequency", frequency);
                }

                if (security.Maturity is { } maturity)
                {
                    json.WriteString("maturity", Date(maturity));
                }

                var closes = Prices.DatedCloses(security.Isin, AsOf, int.MaxValue).ToDictionary(c => c.Date, c => c.Close);
                json.WriteStartArray("closes");
                foreach (var date in dates)
                {
                    if (closes.TryGetValue(date, out var close))
                    {
                        json.WriteStringValue(Number(close));
                    }
                    else
                    {
                        json.WriteNullValue();
                    }
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a record back; anything malformed is a problem named in words, never an exception.</summary>
    public static bool TryParse(ReadOnlySpan<byte> content, out RiskMarketData? data, out string? problem)
    {
        data = null;
        try
        {
            var reader = new Utf8JsonReader(content);
            using var document = JsonDocument.ParseValue(ref reader);
            return TryRead(document.RootElement, out data, out problem);
        }
        catch (JsonException ex)
        {
            problem = $"not JSON: {ex.Message}";
            return false;
        }
    }

    private static bool TryRead(JsonElement root, out RiskMarketData? data, out string? problem)
    {
        data = null;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("formatVersion", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != FormatVersion)
        {
            problem = $"not a market-data record of format version {FormatVersion}";
            return false;
        }

        if (!TryDate(root, "asOf", out var asOf)
            || !root.TryGetProperty("books", out var booksElement) || booksElement.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("fxRates", out var fxElement) || fxElement.ValueKind != JsonValueKind.Array
            || !root.TryGetProperty("dates", out var datesElement) || datesElement.ValueKind != JsonValueKind.Array
            || !root.TryGetProperty("securities", out var securitiesElement) || securitiesElement.ValueKind != JsonValueKind.Array)
        {
            problem = "asOf, books, fxRates, dates or securities missing or malformed";
            return false;
        }

        var books = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var book in booksElement.EnumerateObject())
        {
            if (book.Value.ValueKind != JsonValueKind.String || book.Value.GetString() is not { Length: > 0 } currency)
            {
                problem = $"book {book.Name} has no base currency";
                return false;
            }

            books[book.Name] = currency;
        }

        var fx = new List<FxRate>();
        foreach (var rate in fxElement.EnumerateArray())
        {
            if (!TryDate(rate, "date", out var date) || Text(rate, "base") is not { } fxBase || Text(rate, "quote") is not { } quote
                || !TryAmount(rate, "rate", out var value) || value <= 0m)
            {
                problem = "an FX rate lacks date, base, quote or a positive rate";
                return false;
            }

            fx.Add(new FxRate(date, fxBase, quote, value, Text(rate, "source") ?? string.Empty));
        }

        var dates = new List<DateOnly>();
        foreach (var date in datesElement.EnumerateArray())
        {
            if (date.ValueKind != JsonValueKind.String
                || !DateOnly.TryParseExact(date.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                problem = "a price date is not yyyy-MM-dd";
                return false;
            }

            dates.Add(parsed);
        }

        var securities = new Dictionary<string, RiskSecurity>(StringComparer.Ordinal);
        var prices = new PriceHistory();
        foreach (var security in securitiesElement.EnumerateArray())
        {
            if (Text(security, "isin") is not { } isin || Text(security, "currency") is not { } currency
                || !Enum.TryParse<AssetClass>(Text(security, "assetClass"), ignoreCase: false, out var assetClass) || !Enum.IsDefined(assetClass)
                || !TryAmount(security, "priceFactor", out var priceFactor)
                || !security.TryGetProperty("closes", out var closes) || closes.ValueKind != JsonValueKind.Array || closes.GetArrayLength() != dates.Count)
            {
                problem = "a security lacks isin, assetClass, currency, priceFactor or closes aligned on the dates";
                return false;
            }

            decimal? coupon = TryAmount(security, "couponRate", out var c) ? c : null;
            int? frequency = security.TryGetProperty("couponFrequency", out var f) && f.ValueKind == JsonValueKind.Number ? f.GetInt32() : null;
            DateOnly? maturity = TryDate(security, "maturity", out var m) ? m : null;
            if (!securities.TryAdd(isin, new RiskSecurity(isin, assetClass, currency, priceFactor, coupon, frequency, maturity)))
            {
                problem = $"security {isin} is listed twice";
                return false;
            }

            var i = 0;
            foreach (var close in closes.EnumerateArray())
            {
                if (close.ValueKind == JsonValueKind.String
                    && decimal.TryParse(close.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0m)
                {
                    prices.Add(isin, dates[i], value);
                }
                else if (close.ValueKind != JsonValueKind.Null)
                {
                    problem = $"a close of {isin} is neither a positive decimal string nor null";
                    return false;
                }

                i++;
            }
        }

        data = new RiskMarketData(asOf, books, securities, fx, prices);
        problem = null;
        return true;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static bool TryAmount(JsonElement element, string name, out decimal value)
    {
        value = 0m;
        return Text(element, name) is { } text
            && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryDate(JsonElement element, string name, out DateOnly value)
    {
        value = default;
        return Text(element, name) is { } text && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
