using Cpns.Protocol.V1;
using static Cpns.Protocol.Validation.FieldRules;

namespace Cpns.Protocol.Validation;

/// <content>Gateway catch-up after a reconnect.</content>
internal static partial class EnvelopeValidator
{
    private static ProtocolError? Validate(SyncRequest m)
    {
        if (Count(m.Known.Count, "known", minCount: 0) is { } error)
        {
            return error;
        }

        var seen = new HashSet<string>(m.Known.Count, StringComparer.Ordinal);
        for (var i = 0; i < m.Known.Count; i++)
        {
            var known = m.Known[i];
            if ((Identifier(known.GroupId, "group_id") ?? Epoch(known.Epoch, "epoch")) is { } entryError)
            {
                return entryError.Within($"known[{i}]");
            }

            if (!seen.Add(known.GroupId))
            {
                return Duplicate("group_id").Within($"known[{i}]");
            }
        }

        return null;
    }

    private static ProtocolError? Validate(SyncResponse m)
    {
        if ((Count(m.Latest.Count, "latest", minCount: 0) ?? Count(m.Deletes.Count, "deletes", minCount: 0)) is { } error)
        {
            return error;
        }

        // One latest epoch per group; several deletes of a group are normal (several members left).
        var seen = new HashSet<string>(m.Latest.Count, StringComparer.Ordinal);
        for (var i = 0; i < m.Latest.Count; i++)
        {
            if (Validate(m.Latest[i]) is { } entryError)
            {
                return entryError.Within($"latest[{i}]");
            }

            if (!seen.Add(m.Latest[i].GroupId))
            {
                return Duplicate("group_id").Within($"latest[{i}]");
            }
        }

        for (var i = 0; i < m.Deletes.Count; i++)
        {
            if (Validate(m.Deletes[i]) is { } entryError)
            {
                return entryError.Within($"deletes[{i}]");
            }
        }

        return null;
    }
}
