using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>A value only Azure Resource Manager knows at deployment time (a reference, a resource group, a unique string).</summary>
internal sealed record Runtime(string Text)
{
    public override string ToString() => $"{{{Text}}}";
}

/// <summary>A lambda of an ARM expression (<c>lambda('x', ...)</c>), closed over the context it was made in.</summary>
internal sealed record Lambda(IReadOnlyList<string> Names, ArmEvaluator.Node Body, ArmEvaluator.Context Context);

/// <summary>A resource as Resource Manager would create it: loops expanded, expressions evaluated where they can be offline.</summary>
public sealed record ExpandedResource(string Type, string Name, string? Scope, IReadOnlyDictionary<string, object?> Body, string DeploymentPath)
{
    public object? Get(string path) => ArmEvaluator.Navigate(Body, path);

    public string? GetString(string path) => Get(path)?.ToString();
}

/// <summary>
/// Evaluates the ARM JSON that <c>bicep build</c> emits, offline: parameters, variables, copy loops (resource and
/// property), nested deployments (modules) and the template functions Bicep uses. What only Azure knows at deployment
/// time (reference(), resourceGroup(), uniqueString(), ...) stays a <see cref="Runtime"/> placeholder. This lets the
/// tests assert on each queue, role assignment and container as deployed, not on the expressions that make them.
/// </summary>
internal static class ArmEvaluator
{
    public static IReadOnlyList<ExpandedResource> Expand(JsonObject template, IReadOnlyDictionary<string, object?> parameters)
    {
        var resources = new List<ExpandedResource>();
        ExpandTemplate(template, parameters, "main", resources);
        return resources;
    }

    private static void ExpandTemplate(JsonObject template, IReadOnlyDictionary<string, object?> suppliedParameters, string path, List<ExpandedResource> output)
    {
        var context = new Context(template);
        foreach (var (name, definition) in template["parameters"]?.AsObject() ?? [])
        {
            context.Parameters[name] = suppliedParameters.TryGetValue(name, out var value)
                ? value
                : definition!["defaultValue"] is { } defaultValue ? Evaluate(defaultValue, context) : null;
        }

        foreach (var resource in template["resources"]!.AsArray())
        {
            var body = resource!.AsObject();
            if (body["copy"] is JsonObject copy)
            {
                var count = Convert.ToInt32(Evaluate(copy["count"], context), CultureInfo.InvariantCulture);
                for (var i = 0; i < count; i++)
                {
                    var iteration = context.WithCopyIndex(copy["name"]!.GetValue<string>(), i);
                    ExpandResource(body, iteration, path, output);
                }
            }
            else
            {
                ExpandResource(body, context, path, output);
            }
        }
    }

    private static void ExpandResource(JsonObject resource, Context context, string path, List<ExpandedResource> output)
    {
        if (resource["condition"] is { } condition && Evaluate(condition, context) is false)
        {
            return;
        }

        var evaluated = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in resource)
        {
            if (key is "copy" or "dependsOn" or "condition")
            {
                continue;
            }

            if (key == "properties" && resource["type"]!.GetValue<string>() == "Microsoft.Resources/deployments")
            {
                continue;
            }

            evaluated[key] = Evaluate(value, context);
        }

        var type = (string)evaluated["type"]!;
        var name = evaluated["name"]?.ToString() ?? string.Empty;
        if (type == "Microsoft.Resources/deployments")
        {
            var properties = resource["properties"]!.AsObject();
            var nestedParameters = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (parameterName, parameterValue) in properties["parameters"]?.AsObject() ?? [])
            {
                // Bicep writes a conditional module argument as one expression that yields the whole {"value": ...}.
                nestedParameters[parameterName] = parameterValue is JsonObject wrapper
                    ? Evaluate(wrapper["value"], context)
                    : Navigate(Evaluate(parameterValue, context), "value");
            }

            ExpandTemplate(properties["template"]!.AsObject(), nestedParameters, $"{path}/{name}", output);
            return;
        }

        output.Add(new ExpandedResource(type, name, evaluated.GetValueOrDefault("scope")?.ToString(), evaluated, path));
    }

    /// <summary>Evaluates a JSON value: expression strings (<c>"[...]"</c>) anywhere inside it, and property copy loops.</summary>
    public static object? Evaluate(JsonNode? node, Context context)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in obj)
                {
                    if (key == "copy" && value is JsonArray loops)
                    {
                        foreach (var loop in loops)
                        {
                            var loopName = loop!["name"]!.GetValue<string>();
                            var count = Convert.ToInt32(Evaluate(loop["count"], context), CultureInfo.InvariantCulture);
                            result[loopName] = Enumerable.Range(0, count).Select(i => Evaluate(loop["input"], context.WithCopyIndex(loopName, i))).ToList();
                        }

                        continue;
                    }

                    result[key] = Evaluate(value, context);
                }

                return result;
            case JsonArray array:
                return array.Select(item => Evaluate(item, context)).ToList();
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                if (text.StartsWith("[[", StringComparison.Ordinal))
                {
                    return text[1..];
                }

                return text.StartsWith('[') && text.EndsWith(']')
                    ? Evaluate(new Parser(text[1..^1]).ParseAll(), context)
                    : text;
            case JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return value.GetValue<bool>();
            case JsonValue value:
                var number = JsonSerializer.Deserialize<JsonElement>(value.ToJsonString());
                return number.TryGetInt64(out var integer) ? integer : number.GetDouble();
            default:
                throw new InvalidOperationException($"Unexpected JSON node {node}.");
        }
    }

    public static object? Navigate(object? value, string path)
    {
        foreach (var segment in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            value = value switch
            {
                IReadOnlyDictionary<string, object?> obj => obj.GetValueOrDefault(segment),
                IReadOnlyList<object?> list when int.TryParse(segment, CultureInfo.InvariantCulture, out var i) => i < list.Count ? list[i] : null,
                _ => null,
            };
        }

        return value;
    }

    /// <summary>Where an expression is evaluated: the template's parameters and variables, loop indexes, lambda variables.</summary>
    internal sealed class Context
    {
        private readonly JsonObject _template;
        private readonly Dictionary<string, object?> _variables;
        private readonly Dictionary<string, int> _copyIndexes;
        private readonly Dictionary<string, object?> _lambdaVariables;

        public Context(JsonObject template)
            : this(template, new Dictionary<string, object?>(StringComparer.Ordinal), new Dictionary<string, object?>(StringComparer.Ordinal), [], [])
        {
        }

        private Context(JsonObject template, Dictionary<string, object?> parameters, Dictionary<string, object?> variables, Dictionary<string, int> copyIndexes, Dictionary<string, object?> lambdaVariables)
        {
            _template = template;
            Parameters = parameters;
            _variables = variables;
            _copyIndexes = copyIndexes;
            _lambdaVariables = lambdaVariables;
        }

        public Dictionary<string, object?> Parameters { get; }

        public Context WithCopyIndex(string loop, int index) =>
            new(_template, Parameters, _variables, new Dictionary<string, int>(_copyIndexes) { [loop] = index, [string.Empty] = index }, _lambdaVariables);

        public Context WithLambdaVariables(IReadOnlyList<string> names, IReadOnlyList<object?> values)
        {
            var variables = new Dictionary<string, object?>(_lambdaVariables);
            for (var i = 0; i < names.Count; i++)
            {
                variables[names[i]] = values[i];
            }

            return new Context(_template, Parameters, _variables, _copyIndexes, variables);
        }

        public object? Variable(string name)
        {
            if (!_variables.TryGetValue(name, out var value))
            {
                var definition = _template["variables"]?[name] ?? throw new InvalidOperationException($"No variable '{name}'.");
                value = Evaluate(definition, new Context(_template, Parameters, _variables, [], []));
                _variables[name] = value;
            }

            return value;
        }

        public int CopyIndex(string? loop) =>
            _copyIndexes.TryGetValue(loop ?? string.Empty, out var index) ? index : throw new InvalidOperationException($"copyIndex('{loop}') outside its loop.");

        public object? LambdaVariable(string name) =>
            _lambdaVariables.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"No lambda variable '{name}'.");
    }

    internal abstract record Node;

    private sealed record Literal(object? Value) : Node;

    private sealed record Call(string Name, IReadOnlyList<Node> Arguments) : Node;

    private sealed record Member(Node Target, string Name) : Node;

    private sealed record Index(Node Target, Node Key) : Node;

    private static object? Evaluate(Node node, Context context) => node switch
    {
        Literal literal => literal.Value,
        Member member => Access(Evaluate(member.Target, context), member.Name),
        Index index => Access(Evaluate(index.Target, context), Evaluate(index.Key, context)),
        Call call => Invoke(call, context),
        _ => throw new InvalidOperationException(node.ToString()),
    };

    private static object? Access(object? target, object? key) => target switch
    {
        Runtime runtime => new Runtime($"{runtime.Text}.{key}"),
        IReadOnlyDictionary<string, object?> obj => obj.TryGetValue(Convert.ToString(key, CultureInfo.InvariantCulture)!, out var value)
            ? value
            : throw new InvalidOperationException($"No property '{key}' in {string.Join(", ", obj.Keys)}."),
        IReadOnlyList<object?> list => list[Convert.ToInt32(key, CultureInfo.InvariantCulture)],
        _ => throw new InvalidOperationException($"Cannot read '{key}' of {target ?? "null"}."),
    };

    private static object? Invoke(Call call, Context context)
    {
        if (call.Name == "lambda")
        {
            var names = call.Arguments.Take(call.Arguments.Count - 1).Select(a => (string)Evaluate(a, context)!).ToList();
            return new Lambda(names, call.Arguments[^1], context);
        }

        if (call.Name == "if")
        {
            var condition = Evaluate(call.Arguments[0], context);
            return condition is Runtime runtime
                ? new Runtime($"if({runtime.Text})")
                : Evaluate(call.Arguments[(bool)condition! ? 1 : 2], context);
        }

        var args = call.Arguments.Select(a => Evaluate(a, context)).ToList();
        return call.Name.ToLowerInvariant() switch
        {
            "parameters" => context.Parameters[(string)args[0]!],
            "variables" => context.Variable((string)args[0]!),
            "copyindex" => context.CopyIndex(args.Count > 0 && args[0] is string loop ? loop : null) + (args.Count > 0 && args[^1] is long offset ? (int)offset : 0),
            "lambdavariables" => context.LambdaVariable((string)args[0]!),
            "true" => true,
            "false" => false,
            "null" => null,
            "string" => args[0] is string s ? s : args[0] is Runtime ? args[0] : JsonSerializer.Serialize(args[0]),
            "int" => Convert.ToInt64(args[0], CultureInfo.InvariantCulture),
            "format" => Format((string)args[0]!, args.Skip(1).ToList()),
            "concat" => args.All(a => a is IReadOnlyList<object?>) ? args.SelectMany(a => (IReadOnlyList<object?>)a!).ToList() : string.Concat(args.Select(Text)),
            "empty" => args[0] switch { null => true, string s => s.Length == 0, IReadOnlyList<object?> l => l.Count == 0, IReadOnlyDictionary<string, object?> o => o.Count == 0, _ => false },
            "equals" => Equal(args[0], args[1]),
            "not" => !(bool)args[0]!,
            "and" => args.All(a => (bool)a!),
            "or" => args.Any(a => (bool)a!),
            "greater" => Convert.ToDouble(args[0], CultureInfo.InvariantCulture) > Convert.ToDouble(args[1], CultureInfo.InvariantCulture),
            "less" => Convert.ToDouble(args[0], CultureInfo.InvariantCulture) < Convert.ToDouble(args[1], CultureInfo.InvariantCulture),
            "add" => Convert.ToInt64(args[0], CultureInfo.InvariantCulture) + Convert.ToInt64(args[1], CultureInfo.InvariantCulture),
            "sub" => Convert.ToInt64(args[0], CultureInfo.InvariantCulture) - Convert.ToInt64(args[1], CultureInfo.InvariantCulture),
            "mul" => Convert.ToInt64(args[0], CultureInfo.InvariantCulture) * Convert.ToInt64(args[1], CultureInfo.InvariantCulture),
            "div" => Convert.ToInt64(args[0], CultureInfo.InvariantCulture) / Convert.ToInt64(args[1], CultureInfo.InvariantCulture),
            "mod" => Convert.ToInt64(args[0], CultureInfo.InvariantCulture) % Convert.ToInt64(args[1], CultureInfo.InvariantCulture),
            "length" => args[0] switch { string s => (long)s.Length, IReadOnlyList<object?> l => (long)l.Count, IReadOnlyDictionary<string, object?> o => (long)o.Count, _ => throw new InvalidOperationException("length") },
            "range" => Enumerable.Range(Convert.ToInt32(args[0], CultureInfo.InvariantCulture), Convert.ToInt32(args[1], CultureInfo.InvariantCulture)).Select(i => (object?)(long)i).ToList(),
            "contains" => args[0] switch
            {
                IReadOnlyList<object?> l => l.Any(item => Equal(item, args[1])),
                IReadOnlyDictionary<string, object?> o => o.ContainsKey((string)args[1]!),
                string s => s.Contains((string)args[1]!, StringComparison.Ordinal),
                _ => false,
            },
            "indexof" => args[0] is IReadOnlyList<object?> list ? (long)list.ToList().FindIndex(item => Equal(item, args[1])) : (long)((string)args[0]!).IndexOf((string)args[1]!, StringComparison.Ordinal),
            "createobject" => Enumerable.Range(0, args.Count / 2).ToDictionary(i => (string)args[2 * i]!, i => args[(2 * i) + 1], StringComparer.Ordinal),
            "createarray" => args,
            "trygetvalue" or "tryget" => args[0] is IReadOnlyDictionary<string, object?> o ? o.GetValueOrDefault(Convert.ToString(args[1], CultureInfo.InvariantCulture)!) : null,
            "coalesce" => args.FirstOrDefault(a => a is not null),
            "union" => Union(args),
            "flatten" => ((IReadOnlyList<object?>)args[0]!).SelectMany(a => (IReadOnlyList<object?>)a!).ToList(),
            "first" => ((IReadOnlyList<object?>)args[0]!)[0],
            "last" => ((IReadOnlyList<object?>)args[0]!)[^1],
            "items" => ((IReadOnlyDictionary<string, object?>)args[0]!).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                .Select(p => (object?)new Dictionary<string, object?>(StringComparer.Ordinal) { ["key"] = p.Key, ["value"] = p.Value }).ToList(),
            "map" => ((IReadOnlyList<object?>)args[0]!).Select((item, i) => Apply((Lambda)args[1]!, item, (long)i)).ToList(),
            "filter" => ((IReadOnlyList<object?>)args[0]!).Where((item, i) => Apply((Lambda)args[1]!, item, (long)i) is true).ToList(),
            "toobject" => ((IReadOnlyList<object?>)args[0]!).ToDictionary(
                item => Apply((Lambda)args[1]!, item)!.ToString()!,
                item => args.Count > 2 ? Apply((Lambda)args[2]!, item) : item,
                StringComparer.Ordinal),
            "tolower" => args[0] is Runtime r ? new Runtime($"toLower({r.Text})") : ((string)args[0]!).ToLowerInvariant(),
            "replace" => args[0] is Runtime r ? r : ((string)args[0]!).Replace((string)args[1]!, (string)args[2]!, StringComparison.Ordinal),
            "take" => args[0] switch { Runtime r => new Runtime($"take({r.Text})"), string s => s[..Math.Min(s.Length, Convert.ToInt32(args[1], CultureInfo.InvariantCulture))], IReadOnlyList<object?> l => l.Take(Convert.ToInt32(args[1], CultureInfo.InvariantCulture)).ToList(), _ => throw new InvalidOperationException("take") },
            "split" => ((string)args[0]!).Split((string)args[1]!).Cast<object?>().ToList(),
            "trim" => ((string)args[0]!).Trim(),
            "subscriptionresourceid" => $"/subscriptions/{{subscriptionId}}/providers/{args[0]}/{string.Join('/', args.Skip(1).Select(Text))}",
            "resourceid" => $"/subscriptions/{{subscriptionId}}/resourceGroups/{{resourceGroup}}/providers/{ResourceId(args)}",
            "extensionresourceid" => $"{Text(args[0])}/providers/{ResourceId(args.Skip(1).ToList())}",
            _ => new Runtime($"{call.Name}({string.Join(", ", args.Select(Text))})"),
        };
    }

    private static string ResourceId(IReadOnlyList<object?> args)
    {
        var types = ((string)args[0]!).Split('/');
        var names = args.Skip(1).Select(Text).ToList();
        var id = new StringBuilder($"{types[0]}/{types[1]}/{names[0]}");
        for (var i = 2; i < types.Length; i++)
        {
            id.Append('/').Append(types[i]).Append('/').Append(names[i - 1]);
        }

        return id.ToString();
    }

    private static object? Apply(Lambda lambda, params object?[] values) =>
        Evaluate(lambda.Body, lambda.Context.WithLambdaVariables(lambda.Names, values.Take(lambda.Names.Count).ToList()));

    private static object Union(IReadOnlyList<object?> args)
    {
        if (args.All(a => a is IReadOnlyList<object?>))
        {
            var items = new List<object?>();
            foreach (var item in args.SelectMany(a => (IReadOnlyList<object?>)a!))
            {
                if (!items.Any(existing => Equal(existing, item)))
                {
                    items.Add(item);
                }
            }

            return items;
        }

        var merged = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var obj in args.Cast<IReadOnlyDictionary<string, object?>>())
        {
            foreach (var (key, value) in obj)
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    private static bool Equal(object? left, object? right) =>
        JsonSerializer.Serialize(left) == JsonSerializer.Serialize(right);

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "True" : "False",
        Runtime r => r.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value),
    };

    private static string Format(string format, IReadOnlyList<object?> args)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] == '{' && i + 1 < format.Length && format[i + 1] == '{')
            {
                builder.Append('{');
                i++;
            }
            else if (format[i] == '}' && i + 1 < format.Length && format[i + 1] == '}')
            {
                builder.Append('}');
                i++;
            }
            else if (format[i] == '{')
            {
                var end = format.IndexOf('}', i);
                builder.Append(Text(args[int.Parse(format[(i + 1)..end], CultureInfo.InvariantCulture)]));
                i = end;
            }
            else
            {
                builder.Append(format[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>A recursive-descent parser of ARM template expressions.</summary>
    private sealed class Parser(string text)
    {
        private int _position;

        public Node ParseAll()
        {
            var node = ParseExpression();
            SkipSpace();
            return _position == text.Length ? node : throw new FormatException($"Unexpected '{text[_position..]}' in [{text}].");
        }

        private Node ParseExpression()
        {
            var node = ParsePrimary();
            while (true)
            {
                SkipSpace();
                if (Peek('.'))
                {
                    _position++;
                    node = new Member(node, ReadIdentifier());
                }
                else if (Peek('['))
                {
                    _position++;
                    var key = ParseExpression();
                    Expect(']');
                    node = new Index(node, key);
                }
                else
                {
                    return node;
                }
            }
        }

        private Node ParsePrimary()
        {
            SkipSpace();
            if (Peek('\''))
            {
                var builder = new StringBuilder();
                _position++;
                while (true)
                {
                    if (text[_position] == '\'')
                    {
                        if (_position + 1 < text.Length && text[_position + 1] == '\'')
                        {
                            builder.Append('\'');
                            _position += 2;
                            continue;
                        }

                        _position++;
                        return new Literal(builder.ToString());
                    }

                    builder.Append(text[_position++]);
                }
            }

            if (char.IsDigit(text[_position]) || text[_position] == '-')
            {
                var start = _position++;
                while (_position < text.Length && char.IsDigit(text[_position]))
                {
                    _position++;
                }

                return new Literal(long.Parse(text[start.._position], CultureInfo.InvariantCulture));
            }

            var name = ReadIdentifier();
            Expect('(');
            var arguments = new List<Node>();
            SkipSpace();
            if (!Peek(')'))
            {
                do
                {
                    arguments.Add(ParseExpression());
                    SkipSpace();
                }
                while (TryConsume(','));
            }

            Expect(')');
            return new Call(name, arguments);
        }

        private string ReadIdentifier()
        {
            SkipSpace();
            var start = _position;
            while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] is '_' or '$' or '#'))
            {
                _position++;
            }

            return start == _position ? throw new FormatException($"Identifier expected at {_position} in [{text}].") : text[start.._position];
        }

        private bool Peek(char c) => _position < text.Length && text[_position] == c;

        private bool TryConsume(char c)
        {
            if (Peek(c))
            {
                _position++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (!TryConsume(c))
            {
                throw new FormatException($"'{c}' expected at {_position} in [{text}].");
            }
        }

        private void SkipSpace()
        {
            while (_position < text.Length && text[_position] == ' ')
            {
                _position++;
            }
        }
    }
}
