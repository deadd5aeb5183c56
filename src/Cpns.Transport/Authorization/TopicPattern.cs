namespace Cpns.Transport;

/// <summary>
/// One ACL line: a topic pattern whose levels are literals, <c>{self}</c> (the peer's own id, never a
/// wildcard), <c>{id}</c> (any valid id; <c>+</c> too when subscribing) or a final <c>#</c> (one or more
/// further levels of ids; when subscribing also <c>+</c> and a final <c>#</c>).
/// </summary>
internal sealed class TopicPattern
{
    private const string Self = "{self}";
    private const string AnyId = "{id}";
    private const string Rest = "#";

    private readonly string[] _levels;

    public TopicPattern(string pattern) => _levels = pattern.Split('/');

    public bool Matches(string[] levels, string self, TopicAction action)
    {
        var subscribe = action == TopicAction.Subscribe;
        for (var i = 0; i < _levels.Length; i++)
        {
            var expected = _levels[i];
            if (expected == Rest)
            {
                return levels.Length > i && RestMatches(levels.AsSpan(i), subscribe);
            }

            if (i >= levels.Length)
            {
                return false;
            }

            var level = levels[i];
            var ok = expected switch
            {
                Self => string.Equals(level, self, StringComparison.Ordinal),
                AnyId => Topics.IsValidId(level) || (subscribe && level == "+"),
                _ => string.Equals(level, expected, StringComparison.Ordinal),
            };
            if (!ok)
            {
                return false;
            }
        }

        return levels.Length == _levels.Length;
    }

    private static bool RestMatches(ReadOnlySpan<string> rest, bool subscribe)
    {
        for (var i = 0; i < rest.Length; i++)
        {
            var level = rest[i];
            var ok = Topics.IsValidId(level)
                || (subscribe && level == "+")
                || (subscribe && level == "#" && i == rest.Length - 1);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
