"""Where: the offline gazetteer, a geopy-compatible geocoder chain, precision and uncertainty,
and folium layers. Never imports Streamlit."""
