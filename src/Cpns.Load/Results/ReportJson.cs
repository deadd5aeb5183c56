using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cpns.Load.Results;

/// <summary>The JSON form of a <see cref="LoadReport"/> (camelCase, enums by name, indented).</summary>
internal static class ReportJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(LoadReport report) => JsonSerializer.Serialize(report, Options);

    public static LoadReport? Deserialize(string json) => JsonSerializer.Deserialize<LoadReport>(json, Options);
}
