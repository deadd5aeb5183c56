using System.Text.Json;

namespace Cpns.Load.Fleet.Workers;

/// <summary>
/// The wire form between the bench process and its fleet workers: one JSON object per line, UTF-8, camelCase, the
/// <c>type</c> property first. Strict both ways: an unknown type or property, a missing or null required value, or
/// anything but one object on a line is refused with the line quoted (a worker that talks nonsense cannot be measured).
/// </summary>
internal static class FleetProtocol
{
    private const int QuotedChars = 200;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        WriteIndented = false,
    };

    public static string Write(FleetCommand command) => JsonSerializer.Serialize(command, Options);

    public static string Write(FleetEvent message) => JsonSerializer.Serialize(message, Options);

    /// <exception cref="FleetProtocolException">The line is not one command.</exception>
    public static FleetCommand ReadCommand(string line) => Read<FleetCommand>(line);

    /// <exception cref="FleetProtocolException">The line is not one event.</exception>
    public static FleetEvent ReadEvent(string line) => Read<FleetEvent>(line);

    private static T Read<T>(string line)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            return JsonSerializer.Deserialize<T>(line, Options) ?? throw new FleetProtocolException($"malformed line (null, not a message): {Quote(line)}");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // NotSupportedException: no "type" at all (the base type is abstract).
            throw new FleetProtocolException($"malformed line ({e.Message}): {Quote(line)}", e);
        }
    }

    private static string Quote(string line) => line.Length <= QuotedChars ? $"'{line}'" : $"'{line[..QuotedChars]}...' ({line.Length} characters)";
}
