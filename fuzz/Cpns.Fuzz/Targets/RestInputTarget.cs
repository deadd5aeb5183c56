using System.Text;
using Cpns.Server.Api;
using Cpns.Server.Domain;
using Cpns.Server.Errors;
using Cpns.Server.Secrets;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// The REST API's pure input checks: <see cref="Validate"/> (ServerException only, a 400 problem),
/// <see cref="MemberKey.TryParse"/> of a member id in a path, <see cref="OpaqueToken.TryParseId"/> of a presented API
/// key or enrollment token, <see cref="Identifiers.IsValid"/>. Input: UTF-8 text; a member id that parses formats back
/// to itself, and what Validate.Id accepts Identifiers.IsValid accepts.
/// </summary>
internal sealed class RestInputTarget : FuzzTarget
{
    public override string Name => "rest-input";

    public override string Description => "Validate.*, MemberKey.TryParse, OpaqueToken.TryParseId (ServerException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        Expect400(() => Validate.Name(text, "name"));
        Expect400(() => Validate.OptionalText(text, "description"));
        var valid = Identifiers.IsValid(text);
        Check(valid == Accepted(() => Validate.Id(text, "gatewayId")), "Validate.Id accepts exactly the valid identifiers");
        if (input.Length >= 4)
        {
            var value = BitConverter.ToInt32(input[..4]);
            Expect400(() => Validate.Range(value, "height", 1, 24));
        }

        if (MemberKey.TryParse(text, out var gatewayId, out var pneId))
        {
            Check(MemberKey.Format(gatewayId, pneId) == text, "a parsed member id formats to itself");
        }

        if (OpaqueToken.TryParseId(text, "cpns", out var id))
        {
            Check(id.Length is > 0 and <= 32, "a token id is 1 to 32 characters");
            _ = OpaqueToken.Matches(text, new byte[OpaqueToken.HashSize]);
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        yield return new("valid-member-id", "gw-a:pne-a1"u8.ToArray());
        yield return new("valid-token", "cpns.0123456789abcdef.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I"u8.ToArray());
        yield return new("valid-name", "  Family photos  "u8.ToArray());
        yield return new("edge-colons", "gw:a:pne"u8.ToArray());
        yield return new("edge-long", Encoding.UTF8.GetBytes(new string('a', 201)));
        yield return new("edge-surrogates", "\uD83D\uDD11:\uD83D\uDD11"u8.ToArray());
    }

    private static void Expect400(Action validation)
    {
        try
        {
            validation();
        }
        catch (ServerException)
        {
        }
    }

    private static bool Accepted(Action validation)
    {
        try
        {
            validation();
            return true;
        }
        catch (ServerException)
        {
            return false;
        }
    }
}
