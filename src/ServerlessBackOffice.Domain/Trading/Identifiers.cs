using System.Collections.Frozen;

namespace ServerlessBackOffice.Domain.Trading;

/// <summary>ISO 6166 International Securities Identification Number: 2-letter country, 9 alphanumerics, a Luhn check digit.</summary>
public static class Isin
{
    /// <summary>True when <paramref name="value"/> is 12 upper-case characters with a correct check digit.</summary>
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != 12 || !char.IsAsciiLetterUpper(value[0]) || !char.IsAsciiLetterUpper(value[1]) || !char.IsAsciiDigit(value[11]))
        {
            return false;
        }

        // Letters expand to two digits (A=10 … Z=35); the Luhn sum then runs from the rightmost digit of the expansion.
        Span<byte> digits = stackalloc byte[22];
        var count = 0;
        for (var i = 0; i < 11; i++)
        {
            var c = value[i];
            if (char.IsAsciiDigit(c))
            {
                digits[count++] = (byte)(c - '0');
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                var n = c - 'A' + 10;
                digits[count++] = (byte)(n / 10);
                digits[count++] = (byte)(n % 10);
            }
            else
            {
                return false;
            }
        }

        var sum = 0;
        var doubleIt = true;
        for (var i = count - 1; i >= 0; i--)
        {
            var d = digits[i] * (doubleIt ? 2 : 1);
            sum += d > 9 ? d - 9 : d;
            doubleIt = !doubleIt;
        }

        var check = (10 - (sum % 10)) % 10;
        return check == value[11] - '0';
    }
}

/// <summary>ISO 17442 Legal Entity Identifier: 18 alphanumerics and two check digits under ISO 7064 MOD 97-10.</summary>
public static class Lei
{
    /// <summary>True when <paramref name="value"/> is 20 upper-case alphanumerics whose MOD 97-10 remainder is 1.</summary>
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != 20 || !char.IsAsciiDigit(value[18]) || !char.IsAsciiDigit(value[19]))
        {
            return false;
        }

        var remainder = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                remainder = ((remainder * 100) + (c - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }
}

/// <summary>ISO 10383 Market Identifier Codes of the venues this back office settles.</summary>
public static class Mics
{
    /// <summary>Off-exchange / OTC (ISO 10383 XOFF), used for Treasuries and corporate bonds traded bilaterally.</summary>
    public const string OffExchange = "XOFF";

    private static readonly FrozenSet<string> Known = new[]
    {
        "XNYS", "XNAS", "ARCX", "BATS", "XLON", "XPAR", "XETR", "XFRA", "XAMS", "XBRU", "XMIL", "XMAD", "XLIS", "XDUB",
        "XHEL", "XSWX", "XSTO", "XCSE", "XOSL", "XWBO", OffExchange,
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every known MIC.</summary>
    public static IEnumerable<string> All => Known;

    /// <summary>True when <paramref name="mic"/> is one of the known ISO 10383 codes.</summary>
    public static bool IsKnown(string? mic) => mic is not null && Known.Contains(mic);
}
