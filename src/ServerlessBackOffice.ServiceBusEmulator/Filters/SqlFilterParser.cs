using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessBackOffice.ServiceBusEmulator.Filters;

/// <summary>What a filter can read from a message: system properties (<c>sys.</c>) and application properties.</summary>
internal interface IMessageProperties
{
    /// <summary>A system property by its SQL filter name (MessageId, Label, To...); false when the message lacks it.</summary>
    bool TryGetSystem(string name, out object? value);

    /// <summary>An application property; false when the message lacks it.</summary>
    bool TryGetUser(string name, out object? value);
}

/// <summary>A compiled SQL filter expression.</summary>
internal abstract class SqlExpression
{
    public abstract object? Evaluate(IMessageProperties message);

    /// <summary>SQL filters match only when the condition is TRUE; FALSE and unknown (NULL) both reject.</summary>
    public bool Matches(IMessageProperties message) => Evaluate(message) is true;
}

/// <summary>
/// A recursive-descent parser for the Service Bus SQL filter subset: comparisons (=, &lt;&gt;, !=, &lt;, &gt;, &lt;=, &gt;=),
/// AND, OR, NOT, [NOT] IN, IS [NOT] NULL, [NOT] LIKE with ESCAPE, EXISTS, parentheses, string, number, boolean and NULL
/// literals, and properties named <c>sys.X</c>, <c>user.X</c>, <c>[x]</c> or plain <c>x</c>. Logic is three-valued as in SQL.
/// </summary>
internal sealed class SqlFilterParser
{
    private readonly string _text;
    private int _position;

    private SqlFilterParser(string text) => _text = text;

    /// <exception cref="FormatException">The expression is not in the supported subset; the message says where.</exception>
    public static SqlExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new SqlFilterParser(text);
        var expression = parser.ParseOr();
        parser.SkipSpace();
        if (parser._position < text.Length)
        {
            throw parser.Error("unexpected text");
        }

        return expression;
    }

    private SqlExpression ParseOr()
    {
        var left = ParseAnd();
        while (TryKeyword("OR"))
        {
            left = new Logical(left, ParseAnd(), isAnd: false);
        }

        return left;
    }

    private SqlExpression ParseAnd()
    {
        var left = ParseNot();
        while (TryKeyword("AND"))
        {
            left = new Logical(left, ParseNot(), isAnd: true);
        }

        return left;
    }

    private SqlExpression ParseNot() => TryKeyword("NOT") ? new Not(ParseNot()) : ParsePredicate();

    private SqlExpression ParsePredicate()
    {
        if (TryKeyword("EXISTS"))
        {
            var parenthesised = TrySymbol("(");
            var property = ParsePrimary() as Property ?? throw Error("EXISTS needs a property name");
            if (parenthesised)
            {
                Expect(")");
            }

            return new Exists(property);
        }

        var left = ParseAdditive();
        if (TryKeyword("IS"))
        {
            var negated = TryKeyword("NOT");
            ExpectKeyword("NULL");
            return new IsNull(left, negated);
        }

        var not = TryKeyword("NOT");
        if (TryKeyword("IN"))
        {
            Expect("(");
            var items = new List<SqlExpression> { ParseAdditive() };
            while (TrySymbol(","))
            {
                items.Add(ParseAdditive());
            }

            Expect(")");
            return Negate(new In(left, items), not);
        }

        if (TryKeyword("LIKE"))
        {
            if (ParsePrimary() is not Literal { Value: string pattern })
            {
                throw Error("LIKE needs a string pattern");
            }

            char? escape = null;
            if (TryKeyword("ESCAPE"))
            {
                if (ParsePrimary() is not Literal { Value: string escapeText } || escapeText.Length != 1)
                {
                    throw Error("ESCAPE needs a one-character string");
                }

                escape = escapeText[0];
            }

            return Negate(new Like(left, pattern, escape), not);
        }

        if (not)
        {
            throw Error("NOT here must be followed by IN or LIKE");
        }

        foreach (var op in new[] { "<>", "!=", "<=", ">=", "=", "<", ">" })
        {
            if (TrySymbol(op))
            {
                return new Comparison(left, ParseAdditive(), op);
            }
        }

        return left;
    }

    private static SqlExpression Negate(SqlExpression expression, bool negate) => negate ? new Not(expression) : expression;

    private SqlExpression ParseAdditive()
    {
        var left = ParseUnary();
        while (true)
        {
            SkipSpace();
            if (_position < _text.Length && _text[_position] is '+' or '-' or '*' or '/' or '%')
            {
                var op = _text[_position++];
                left = new Arithmetic(left, ParseUnary(), op);
            }
            else
            {
                return left;
            }
        }
    }

    private SqlExpression ParseUnary()
    {
        if (TrySymbol("-"))
        {
            return new Arithmetic(new Literal(0L), ParsePrimary(), '-');
        }

        return ParsePrimary();
    }

    private SqlExpression ParsePrimary()
    {
        SkipSpace();
        if (_position >= _text.Length)
        {
            throw Error("the expression ends early");
        }

        var c = _text[_position];
        if (c == '(')
        {
            _position++;
            var inner = ParseOr();
            Expect(")");
            return inner;
        }

        if (c == '\'')
        {
            return new Literal(ReadString());
        }

        if (char.IsDigit(c) || c == '.')
        {
            return new Literal(ReadNumber());
        }

        if (c == '[')
        {
            var end = _text.IndexOf(']', _position);
            if (end < 0)
            {
                throw Error("unclosed [");
            }

            var name = _text[(_position + 1)..end];
            _position = end + 1;
            return new Property(name, Scope.User);
        }

        if (char.IsLetter(c) || c == '_')
        {
            var word = ReadWord();
            switch (word.ToUpperInvariant())
            {
                case "TRUE":
                    return new Literal(true);
                case "FALSE":
                    return new Literal(false);
                case "NULL":
                    return new Literal(null);
                case "AND" or "OR" or "NOT" or "IN" or "LIKE" or "IS" or "ESCAPE" or "EXISTS":
                    throw Error($"'{word}' cannot start an operand");
            }

            if (word.StartsWith("sys.", StringComparison.OrdinalIgnoreCase))
            {
                return new Property(word[4..], Scope.System);
            }

            if (word.StartsWith("user.", StringComparison.OrdinalIgnoreCase))
            {
                return new Property(word[5..], Scope.User);
            }

            return new Property(word, Scope.User);
        }

        throw Error($"unexpected '{c}'");
    }

    private string ReadWord()
    {
        var start = _position;
        while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || _text[_position] is '_' or '.' or '-'))
        {
            // A '-' belongs to a name only when a letter or digit follows it directly (x-y), not in "a - 1".
            if (_text[_position] == '-' && (_position + 1 >= _text.Length || !char.IsLetterOrDigit(_text[_position + 1]) || _position == start))
            {
                break;
            }

            _position++;
        }

        return _text[start.._position];
    }

    private string ReadString()
    {
        var builder = new StringBuilder();
        _position++;
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw Error("unclosed string literal");
            }

            var c = _text[_position++];
            if (c == '\'')
            {
                if (_position < _text.Length && _text[_position] == '\'')
                {
                    builder.Append('\'');
                    _position++;
                    continue;
                }

                return builder.ToString();
            }

            builder.Append(c);
        }
    }

    private object ReadNumber()
    {
        var start = _position;
        while (_position < _text.Length && (char.IsDigit(_text[_position]) || _text[_position] is '.' or 'e' or 'E'
            || (_text[_position] is '+' or '-' && _text[_position - 1] is 'e' or 'E')))
        {
            _position++;
        }

        var token = _text[start.._position];
        if (long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            ? real
            : throw Error($"'{token}' is not a number");
    }

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private bool TryKeyword(string keyword)
    {
        SkipSpace();
        var end = _position + keyword.Length;
        if (end <= _text.Length && string.Compare(_text, _position, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0
            && (end == _text.Length || !(char.IsLetterOrDigit(_text[end]) || _text[end] is '_' or '.')))
        {
            _position = end;
            return true;
        }

        return false;
    }

    private void ExpectKeyword(string keyword)
    {
        if (!TryKeyword(keyword))
        {
            throw Error($"expected {keyword}");
        }
    }

    private bool TrySymbol(string symbol)
    {
        SkipSpace();
        if (string.CompareOrdinal(_text, _position, symbol, 0, symbol.Length) == 0)
        {
            _position += symbol.Length;
            return true;
        }

        return false;
    }

    private void Expect(string symbol)
    {
        if (!TrySymbol(symbol))
        {
            throw Error($"expected '{symbol}'");
        }
    }

    private FormatException Error(string what) =>
        new($"SQL filter \"{_text}\": {what} at position {_position}.");

    private enum Scope
    {
        System,
        User,
    }

    private sealed class Literal(object? value) : SqlExpression
    {
        public object? Value { get; } = value;

        public override object? Evaluate(IMessageProperties message) => Value;
    }

    private sealed class Property(string name, Scope scope) : SqlExpression
    {
        public bool Exists(IMessageProperties message) =>
            scope == Scope.System ? message.TryGetSystem(name, out _) : message.TryGetUser(name, out _);

        public override object? Evaluate(IMessageProperties message) =>
            (scope == Scope.System ? message.TryGetSystem(name, out var value) : message.TryGetUser(name, out value)) ? value : null;
    }

    private sealed class Exists(Property property) : SqlExpression
    {
        public override object? Evaluate(IMessageProperties message) => property.Exists(message);
    }

    private sealed class IsNull(SqlExpression operand, bool negated) : SqlExpression
    {
        public override object? Evaluate(IMessageProperties message) => operand.Evaluate(message) is null != negated;
    }

    private sealed class Not(SqlExpression operand) : SqlExpression
    {
        public override object? Evaluate(IMessageProperties message) => operand.Evaluate(message) is bool b ? !b : null;
    }

    private sealed class Logical(SqlExpression left, SqlExpression right, bool isAnd) : SqlExpression
    {
        public override object? Evaluate(IMessageProperties message)
        {
            var l = left.Evaluate(message) as bool?;
            if (isAnd && l == false)
            {
                return false;
            }

            if (!isAnd && l == true)
            {
                return true;
            }

            var r = right.Evaluate(message) as bool?;
            return isAnd
                ? (r == false ? false : l == true && r == true ? true : null)
                : (r == true ? true : l == false && r == false ? false : null);
        }
    }

    private sealed class In(SqlExpression operand, List<SqlExpression> items) : SqlExpression
    {
        public override object? Evaluate(IMessageProperties message)
        {
            var value = operand.Evaluate(message);
            if (value is null)
            {
                return null;
            }

            return items.Any(item => Values.Compare(value, item.Evaluate(message)) == 0);
        }
    }

    private sealed class Like(SqlExpression operand, string pattern, char? escape) : SqlExpression
    {
        private readonly Regex _regex = new(ToRegex(pattern, escape), RegexOptions.Singleline | RegexOptions.CultureInvariant);

        public override object? Evaluate(IMessageProperties message) =>
            operand.Evaluate(message) is string text ? _regex.IsMatch(text) : null;

        private static string ToRegex(string pattern, char? escape)
        {
            var builder = new StringBuilder("^");
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (escape is { } e && c == e && i + 1 < pattern.Length)
                {
                    builder.Append(Regex.Escape(pattern[++i].ToString()));
                }
                else if (c == '%')
                {
                    builder.Append(".*");
                }
                else if (c == '_')
                {
                    builder.Append('.');
                }
                else
                {
                    builder.Append(Regex.Escape(c.ToString()));
                }
            }

            return builder.Append('$').ToString();
        }
    }

    private sealed class Comparison(SqlExpression left, SqlExpression right, string op) : SqlExpression
    {
        public override object? Evaluate(IMessageProperties message)
        {
            var order = Values.Compare(left.Evaluate(message), right.Evaluate(message));
            if (order is not { } o)
            {
                return null;
            }

            return op switch
            {
                "=" => o == 0,
                "<>" or "!=" => o != 0,
                "<" => o < 0,
                ">" => o > 0,
                "<=" => o <= 0,
                ">=" => o >= 0,
                _ => null,
            };
        }
    }

    private sealed class Arithmetic(SqlExpression left, SqlExpression right, char op) : SqlExpression
    {
        public override object? Evaluate(IMessageProperties message)
        {
            var l = left.Evaluate(message);
            var r = right.Evaluate(message);
            if (l is string ls && r is string rs && op == '+')
            {
                return ls + rs;
            }

            if (Values.IsIntegral(l) && Values.IsIntegral(r))
            {
                var a = Convert.ToInt64(l, CultureInfo.InvariantCulture);
                var b = Convert.ToInt64(r, CultureInfo.InvariantCulture);
                return op switch
                {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    '/' => b == 0 ? null : a / b,
                    _ => b == 0 ? null : a % b,
                };
            }

            if (Values.ToDouble(l) is { } x && Values.ToDouble(r) is { } y)
            {
                return op switch
                {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    '/' => x / y,
                    _ => x % y,
                };
            }

            return null;
        }
    }
}

/// <summary>Comparison rules shared by SQL and correlation filters.</summary>
internal static class Values
{
    public static bool IsIntegral(object? value) => value is sbyte or byte or short or ushort or int or uint or long or ulong;

    public static double? ToDouble(object? value) => value switch
    {
        sbyte or byte or short or ushort or int or uint or long or ulong or float or double => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        decimal d => (double)d,
        _ => null,
    };

    /// <summary>Orders two values; null when either is null or they cannot be compared (unknown in SQL).</summary>
    public static int? Compare(object? left, object? right)
    {
        if (left is null || right is null)
        {
            return null;
        }

        if (left is string ls && right is string rs)
        {
            return string.CompareOrdinal(ls, rs);
        }

        if (left is bool lb && right is bool rb)
        {
            return lb == rb ? 0 : lb ? 1 : -1;
        }

        if (IsIntegral(left) && IsIntegral(right))
        {
            return Convert.ToInt64(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToInt64(right, CultureInfo.InvariantCulture));
        }

        if (ToDouble(left) is { } x && ToDouble(right) is { } y)
        {
            return x.CompareTo(y);
        }

        if (left is DateTime ld && right is DateTime rd)
        {
            return ld.CompareTo(rd);
        }

        if (left is Guid lg && right is Guid rg)
        {
            return lg.CompareTo(rg);
        }

        return null;
    }
}
