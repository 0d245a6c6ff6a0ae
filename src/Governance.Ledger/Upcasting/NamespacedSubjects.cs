using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Security;
using Governance.Domain.Shared;

namespace Governance.Ledger.Upcasting;

/// <summary>
/// The upcaster of subject ids stored before they were namespaced (<see cref="Subjects"/>). Events and documents keep the
/// bare ids they were stored with (the stored bytes never change, so the transparency log's leaves stay valid); the ledger's
/// serializer reads them in the namespaced form, so every comparison (segregation of duties, ownership, the approval
/// queue) sees one form:
/// <list type="bullet">
/// <item>an <see cref="Actor"/>'s subject is <c>client:…</c> when it equals the actor's client id (client-credentials tokens
/// carried <c>sub = client_id</c>), otherwise <c>user:…</c> (<see cref="Subjects.Upcast"/>);</item>
/// <item>a model's owner id (<see cref="ModelRegistered.OwnerId"/>, <see cref="ModelVersionRegistered.ModelOwnerId"/> and the
/// documents folded from them) is a person's <c>user:…</c>: a model registered by a machine client before this release is
/// then owned by no one who can act, until a risk officer transfers it to a person (models are owned by people now).</item>
/// <item>display names stored by earlier releases (an actor's <c>displayName</c>, a model's <c>ownerName</c>, a transfer's
/// <c>newOwnerName</c>, a security event's <c>userName</c> and <c>displayName</c>) are not read back: the record types no
/// longer have them, and names come from the people directory; a failed sign-in keeps the user name as typed only when no
/// account has it (<see cref="Domain.Security.SignInFailed.UserName"/>).</item>
/// </list>
/// </summary>
public static class NamespacedSubjects
{
    /// <summary>Adds the upcaster to the store's serializer options.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new ActorConverter());
        options.Converters.Add(new SignInFailedConverter());
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(UpcastOwnerIds);
    }

    private static readonly HashSet<(Type, string)> OwnerIdProperties =
    [
        (typeof(ModelRegistered), nameof(ModelRegistered.OwnerId)),
        (typeof(Model), nameof(Model.OwnerId)),
        (typeof(ModelVersionRegistered), nameof(ModelVersionRegistered.ModelOwnerId)),
        (typeof(ModelVersion), nameof(ModelVersion.ModelOwnerId)),
    ];

    private static void UpcastOwnerIds(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
            if (property.AttributeProvider is System.Reflection.MemberInfo member && OwnerIdProperties.Contains((type.Type, member.Name)))
                property.CustomConverter = new PersonIdConverter();
    }

    /// <summary>A bare owner id read as a person's subject.</summary>
    private sealed class PersonIdConverter : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Subjects.Upcast(reader.GetString()!, clientId: null);

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>An actor with its subject namespaced, and without the display name that events of earlier releases carry (names
    /// come from the people directory at read time); written exactly as the default contract writes it.</summary>
    private sealed class ActorConverter : JsonConverter<Actor>
    {
        public override Actor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            string? subject = null,
                role = null,
                client = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                switch (property.Name.ToLowerInvariant())
                {
                    case "subjectid":
                        subject = value;
                        break;
                    case "role":
                        role = value;
                        break;
                    case "clientid":
                        client = value;
                        break;
                }
            }
            if (subject is null || role is null)
                throw new JsonException("A stored actor has no subjectId or role.");
            return new Actor(Subjects.Upcast(subject, client), role, client);
        }

        public override void Write(Utf8JsonWriter writer, Actor value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString(Name(options, nameof(Actor.SubjectId)), value.SubjectId);
            writer.WriteString(Name(options, nameof(Actor.Role)), value.Role);
            if (value.ClientId is not null || options.DefaultIgnoreCondition == JsonIgnoreCondition.Never)
                writer.WriteString(Name(options, nameof(Actor.ClientId)), value.ClientId);
            writer.WriteEndObject();
        }

        private static string Name(JsonSerializerOptions options, string name) => options.PropertyNamingPolicy?.ConvertName(name) ?? name;
    }

    /// <summary>A failed sign-in read without the user name of a known account (earlier releases stored it for every failure).</summary>
    private sealed class SignInFailedConverter : JsonConverter<SignInFailed>
    {
        private JsonSerializerOptions? _withoutMe;

        public override SignInFailed Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var read = JsonSerializer.Deserialize<SignInFailed>(ref reader, WithoutMe(options))!;
            return read.Subject == SignInFailed.UnknownUsers ? read : read with { UserName = null };
        }

        public override void Write(Utf8JsonWriter writer, SignInFailed value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, WithoutMe(options));

        private JsonSerializerOptions WithoutMe(JsonSerializerOptions options)
        {
            if (_withoutMe is null)
            {
                var copy = new JsonSerializerOptions(options);
                copy.Converters.Remove(copy.Converters.Single(c => c is SignInFailedConverter));
                _withoutMe = copy;
            }
            return _withoutMe;
        }
    }
}
