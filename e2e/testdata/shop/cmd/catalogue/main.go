// Command catalogue serves the shop's products over HTTP on $PORT:
// GET /products/{id} answers the product with its price.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"shop/internal/shared"
)

const version = "v1"

var products = map[string]shared.Product{
	"tea":    {ID: "tea", Name: "Tea", Price: 450},
	"cup":    {ID: "cup", Name: "Cup", Price: 1200},
	"kettle": {ID: "kettle", Name: "Kettle", Price: 3900},
}

func main() {
	fmt.Println(shared.Banner("catalogue", version))
	port := shared.MustEnv("PORT")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		p, ok := products[r.PathValue("id")]
		if !ok {
			http.Error(w, "no such product", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})
	fmt.Printf("catalogue %s listening on 127.0.0.1:%s\n", version, port)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}
