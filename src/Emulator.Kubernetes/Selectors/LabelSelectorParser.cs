namespace Emulator.Kubernetes.Selectors;

/// <summary>
/// Parses the string form of label selectors with the grammar and error messages of Kubernetes'
/// <c>labels.Parse</c>: comma-joined <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>,
/// <c>a</c>, <c>!a</c>, <c>a&gt;1</c>, <c>a&lt;1</c>.
/// </summary>
internal sealed class LabelSelectorParser
{
    private enum Token
    {
        Identifier,
        DoesNotExist,
        Equals,
        DoubleEquals,
        NotEquals,
        GreaterThan,
        LessThan,
        In,
        NotIn,
        OpenParenthesis,
        CloseParenthesis,
        Comma,
        EndOfString,
        Error,
    }

    private static readonly Dictionary<string, Token> Symbols = new(StringComparer.Ordinal)
    {
        ["!"] = Token.DoesNotExist,
        ["!="] = Token.NotEquals,
        ["="] = Token.Equals,
        ["=="] = Token.DoubleEquals,
        [">"] = Token.GreaterThan,
        ["<"] = Token.LessThan,
        ["("] = Token.OpenParenthesis,
        [")"] = Token.CloseParenthesis,
        [","] = Token.Comma,
    };

    private readonly List<(Token Token, string Literal)> _items = [];
    private int _position;

    private LabelSelectorParser(string input)
    {
        Scan(input);
    }

    /// <summary>Parses a selector string.</summary>
    /// <exception cref="SelectorParseException">On bad syntax or invalid keys/values.</exception>
    public static List<LabelRequirement> Parse(string input) => new LabelSelectorParser(input).ParseAll();

    private void Scan(string input)
    {
        var i = 0;
        while (true)
        {
            while (i < input.Length && char.IsWhiteSpace(input[i]))
            {
                i++;
            }
            if (i >= input.Length)
            {
                _items.Add((Token.EndOfString, ""));
                return;
            }
            var c = input[i];
            if (IsSpecial(c))
            {
                var literal = c.ToString();
                i++;
                while (i < input.Length && IsSpecial(input[i]) && Symbols.ContainsKey(literal + input[i]))
                {
                    literal += input[i];
                    i++;
                }
                _items.Add(Symbols.TryGetValue(literal, out var token) ? (token, literal) : (Token.Error, $"error expected: keyword found '{literal}'"));
                continue;
            }
            var start = i;
            while (i < input.Length && !char.IsWhiteSpace(input[i]) && !IsSpecial(input[i]))
            {
                i++;
            }
            var word = input[start..i];
            _items.Add(word switch
            {
                "in" => (Token.In, word),
                "notin" => (Token.NotIn, word),
                _ => (Token.Identifier, word),
            });
        }
    }

    private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

    // In a values position the keywords "in" and "notin" are ordinary identifiers.
    private (Token Token, string Literal) Lookahead(bool values)
    {
        var item = _items[_position];
        return values && item.Token is Token.In or Token.NotIn ? (Token.Identifier, item.Literal) : item;
    }

    private (Token Token, string Literal) Consume(bool values)
    {
        var item = Lookahead(values);
        if (_position < _items.Count - 1)
        {
            _position++;
        }
        return item;
    }

    private List<LabelRequirement> ParseAll()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var (token, literal) = Lookahead(values: true);
            switch (token)
            {
                case Token.Identifier:
                case Token.DoesNotExist:
                    LabelRequirement requirement;
                    try
                    {
                        requirement = ParseRequirement();
                    }
                    catch (SelectorParseException e)
                    {
                        throw new SelectorParseException("unable to parse requirement: " + e.Message);
                    }
                    requirements.Add(requirement);
                    var (next, nextLiteral) = Consume(values: true);
                    switch (next)
                    {
                        case Token.EndOfString:
                            return Sorted(requirements);
                        case Token.Comma:
                            var (afterComma, afterLiteral) = Lookahead(values: true);
                            if (afterComma != Token.Identifier && afterComma != Token.DoesNotExist)
                            {
                                throw new SelectorParseException($"found '{afterLiteral}', expected: identifier after ','");
                            }
                            break;
                        default:
                            throw new SelectorParseException($"found '{nextLiteral}', expected: ',' or 'end of string'");
                    }
                    break;
                case Token.EndOfString:
                    return Sorted(requirements);
                default:
                    throw new SelectorParseException($"found '{literal}', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private static List<LabelRequirement> Sorted(List<LabelRequirement> requirements) =>
        requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();

    private LabelRequirement ParseRequirement()
    {
        var (key, op) = ParseKeyAndInferOperator();
        if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist)
        {
            return LabelRequirement.Create(key, op.Value, []);
        }
        var binary = ParseOperator();
        var values = binary is SelectorOperator.In or SelectorOperator.NotIn ? ParseValues() : ParseExactValue();
        return LabelRequirement.Create(key, binary, values);
    }

    private (string Key, SelectorOperator? Operator) ParseKeyAndInferOperator()
    {
        SelectorOperator? op = null;
        var (token, literal) = Consume(values: true);
        if (token == Token.DoesNotExist)
        {
            op = SelectorOperator.DoesNotExist;
            (token, literal) = Consume(values: true);
        }
        if (token != Token.Identifier)
        {
            throw new SelectorParseException($"found '{literal}', expected: identifier");
        }
        var keyErrors = Validation.NameSyntax.IsQualifiedName(literal);
        if (keyErrors.Count > 0)
        {
            throw new SelectorParseException(Validation.FieldError.Invalid("<nil>", literal, string.Join("; ", keyErrors)).ToString());
        }
        var (next, _) = Lookahead(values: true);
        if (next is Token.EndOfString or Token.Comma)
        {
            op ??= SelectorOperator.Exists;
        }
        return (literal, op);
    }

    private SelectorOperator ParseOperator()
    {
        var (token, literal) = Consume(values: false);
        return token switch
        {
            Token.In => SelectorOperator.In,
            Token.NotIn => SelectorOperator.NotIn,
            Token.Equals => SelectorOperator.Equals,
            Token.DoubleEquals => SelectorOperator.DoubleEquals,
            Token.NotEquals => SelectorOperator.NotEquals,
            Token.GreaterThan => SelectorOperator.GreaterThan,
            Token.LessThan => SelectorOperator.LessThan,
            _ => throw new SelectorParseException($"found '{literal}', expected: in, notin, =, ==, !=, gt, lt"),
        };
    }

    private List<string> ParseValues()
    {
        var (token, literal) = Consume(values: true);
        if (token != Token.OpenParenthesis)
        {
            throw new SelectorParseException($"found '{literal}', expected: '('");
        }
        (token, literal) = Lookahead(values: true);
        switch (token)
        {
            case Token.Identifier:
            case Token.Comma:
                var values = ParseIdentifierList();
                var (close, closeLiteral) = Consume(values: true);
                if (close != Token.CloseParenthesis)
                {
                    throw new SelectorParseException($"found '{closeLiteral}', expected: ')'");
                }
                return values;
            case Token.CloseParenthesis:
                Consume(values: true);
                return [];
            default:
                throw new SelectorParseException($"found '{literal}', expected: ',', ')' or identifier");
        }
    }

    // "(a,,b)" and "(a,)" admit empty values, as Kubernetes' parseIdentifiersList does.
    private List<string> ParseIdentifierList()
    {
        var values = new List<string>();
        while (true)
        {
            var (token, literal) = Consume(values: true);
            switch (token)
            {
                case Token.Identifier:
                    values.Add(literal);
                    var (after, afterLiteral) = Lookahead(values: true);
                    switch (after)
                    {
                        case Token.Comma:
                            continue;
                        case Token.CloseParenthesis:
                            return values;
                        default:
                            throw new SelectorParseException($"found '{afterLiteral}', expected: ',' or ')'");
                    }
                case Token.Comma:
                    if (values.Count == 0)
                    {
                        values.Add("");
                    }
                    var (peek, _) = Lookahead(values: true);
                    if (peek == Token.CloseParenthesis)
                    {
                        values.Add("");
                        return values;
                    }
                    if (peek == Token.Comma)
                    {
                        Consume(values: true);
                        values.Add("");
                    }
                    continue;
                default:
                    throw new SelectorParseException($"found '{literal}', expected: ',', or identifier");
            }
        }
    }

    private List<string> ParseExactValue()
    {
        var (token, _) = Lookahead(values: true);
        if (token is Token.EndOfString or Token.Comma)
        {
            return [""];
        }
        var (value, literal) = Consume(values: true);
        return value == Token.Identifier ? [literal] : throw new SelectorParseException($"found '{literal}', expected: identifier");
    }
}
