using System.Text;
using Governance.Serving.Host;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Api.Tests;

/// <summary>A model directory's feature map, read against the model's input columns.</summary>
public sealed class FeatureMapTests
{
    private static readonly DataViewSchema Inputs = Schema("Duration", "Amount", "Age");

    private static DataViewSchema Schema(params string[] columns)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in columns)
            builder.AddColumn(column, NumberDataViewType.Single);
        return builder.ToSchema();
    }

    private static FeatureMap Read(string json) =>
        FeatureMap.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "feature-map.json", Inputs);

    [Fact]
    public void A_mapped_column_is_read_from_its_field_and_an_unmapped_one_from_its_own_name()
    {
        var map = Read("""{"duration_months": "Duration", "amount_eur": "Amount"}""");

        Assert.Equal(("duration_months", "amount_eur", "Age"), (map.FieldFor("Duration"), map.FieldFor("Amount"), map.FieldFor("Age")));
    }

    [Theory]
    [InlineData("""["Duration"]""", "is not a JSON object")]
    [InlineData("""{"months": 12}""", "is not a JSON object")]
    [InlineData("""{"a": "Duration", "a": "Amount"}""", "is not a JSON object")]
    [InlineData("""{"months": ""}""", "must map each request field")]
    [InlineData("""{"income": "Income"}""", "names 'Income', which is not an input column")]
    [InlineData("""{"months": "Duration", "duration": "Duration"}""", "feeds column 'Duration' from more than one field")]
    public void A_map_that_cannot_feed_the_model_is_refused_saying_why(string json, string problem)
    {
        var refused = Assert.Throws<InvalidDataException>(() => Read(json));

        Assert.Contains("'feature-map.json'", refused.Message);
        Assert.Contains(problem, refused.Message);
    }
}
