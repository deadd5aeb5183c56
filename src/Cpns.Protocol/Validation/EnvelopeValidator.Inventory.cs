using Cpns.Protocol.V1;
using static Cpns.Protocol.Validation.FieldRules;

namespace Cpns.Protocol.Validation;

/// <content>PN inventory.</content>
internal static partial class EnvelopeValidator
{
    private static ProtocolError? Validate(PnInventoryReport m)
    {
        if ((Identifier(m.PnId, "pn_id") ?? Count(m.Registered.Count, "registered", minCount: 0)) is { } error)
        {
            return error;
        }

        var registered = new HashSet<string>(m.Registered.Count, StringComparer.Ordinal);
        for (var i = 0; i < m.Registered.Count; i++)
        {
            var pne = m.Registered[i];
            var entryError = Identifier(pne.PneId, "pne_id")
                ?? Text(pne.Alias, "alias", 0, ProtocolLimits.MaxAliasLength)
                ?? UnixTime(pne.RegisteredAtUnixMs, "registered_at_unix_ms");
            if (entryError is { } e)
            {
                return e.Within($"registered[{i}]");
            }

            if (!registered.Add(pne.PneId))
            {
                return Duplicate("pne_id").Within($"registered[{i}]");
            }
        }

        if (IdentifierList(m.RemovedPneIds, "removed_pne_ids", minCount: 0) is { } removedError)
        {
            return removedError;
        }

        // A PNE cannot be both registered and removed in one report: the receiver could not tell which came last.
        for (var i = 0; i < m.RemovedPneIds.Count; i++)
        {
            if (registered.Contains(m.RemovedPneIds[i]))
            {
                return Duplicate("removed_pne_ids", i);
            }
        }

        return null;
    }

    private static ProtocolError? Validate(PnInventoryAck m) => Enum(m.Status, "status");
}
