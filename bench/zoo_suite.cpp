// The model-zoo suite: norm calls as published models make them (hidden sizes, token counts,
// image sizes and dtypes from their configs), one case per (model, call site). The shapes
// are the engines' shapes, not the kernels' favourites: most hidden sizes are not powers of
// two, token counts include odd ones, and both one-token decode and large prefill appear.
// compare_torch.py --suite zoo reads this list through `vknorm-bench --suite zoo --list`.
#include "cases.h"

#include <string>

namespace vknorm_bench {

using vknorm::DType;

std::vector<BenchCase> zoo_suite() {
  std::vector<BenchCase> s;
  ModelCases z{&s, "zoo"};
  const DType f32 = DType::f32, f16 = DType::f16, bf16 = DType::bf16;

  // --- LLMs: RMSNorm over the hidden size (decode = 1 token, prefill = many) ---
  z.add("Llama-3-8B", "llama3_8b", "rmslast", "rms_norm_last", bf16, {1, 4096}, 1e-5);
  z.add("Llama-3-8B", "llama3_8b", "rmslast", "rms_norm_last", bf16, {4096, 4096}, 1e-5);
  z.add("Llama-3-70B", "llama3_70b", "rmslast", "rms_norm_last", bf16, {1, 8192}, 1e-5);
  z.add("Llama-3-70B", "llama3_70b", "rmslast", "rms_norm_last", bf16, {8191, 8192}, 1e-5);
  z.add("Qwen2.5-7B", "qwen25_7b", "rmslast", "rms_norm_last", bf16, {1, 3584}, 1e-6);
  z.add("Qwen2.5-7B", "qwen25_7b", "rmslast", "rms_norm_last", bf16, {3000, 3584}, 1e-6);
  z.add("Qwen2.5-0.5B", "qwen25_05b", "rmslast", "rms_norm_last", f16, {1, 896}, 1e-6);
  z.add("Qwen2.5-0.5B", "qwen25_05b", "rmslast", "rms_norm_last", f16, {8191, 896}, 1e-6);
  z.add("Gemma-2-2B", "gemma2_2b", "rmslast", "rms_norm_last", bf16, {1, 2304}, 1e-6);
  z.add("Gemma-2-2B", "gemma2_2b", "rmslast", "rms_norm_last", bf16, {4096, 2304}, 1e-6);
  z.add("Phi-3-mini", "phi3_mini", "rmslast", "rms_norm_last", f16, {2047, 3072}, 1e-5);
  z.add("Mistral-7B", "mistral_7b", "rmslast", "rms_norm_last", f16, {64, 4096}, 1e-5);  // 64 decodes
  z.add("DeepSeek-V3", "deepseek_v3", "rmslast", "rms_norm_last", bf16, {1, 7168}, 1e-6);
  z.add("DeepSeek-V3", "deepseek_v3", "rmslast", "rms_norm_last", bf16, {4096, 7168}, 1e-6);
  // DeepSeek-V3's kv_a_layernorm: RMSNorm over the 512-wide compressed KV.
  z.add("DeepSeek-V3", "deepseek_v3", "kvnorm", "rms_norm_last", bf16, {4096, 512}, 1e-6);
  // Qwen3-8B's QK-norm: RMSNorm over each 128-wide head (32 query heads) of every token.
  z.add("Qwen3-8B", "qwen3_8b", "qknorm", "rms_norm_last", bf16, {32, 128}, 1e-6);
  z.add("Qwen3-8B", "qwen3_8b", "qknorm", "rms_norm_last", bf16, {16384, 128}, 1e-6);
  z.add("Qwen3-8B", "qwen3_8b", "qknorm", "rms_norm_last", bf16, {262112, 128}, 1e-6);  // 8191 tokens

  // --- LLMs: fused residual add + RMSNorm (the pre-norm of every block after the first) ---
  z.add("Llama-3-8B", "llama3_8b", "addrms", "add_rms_norm", bf16, {1, 4096}, 1e-5);
  z.add("Llama-3-8B", "llama3_8b", "addrms", "add_rms_norm", bf16, {4096, 4096}, 1e-5);
  z.add("Qwen2.5-7B", "qwen25_7b", "addrms", "add_rms_norm", bf16, {2048, 3584}, 1e-6);
  z.add("Qwen2.5-1.5B", "qwen25_15b", "addrms", "add_rms_norm", bf16, {16384, 1536}, 1e-6);
  z.add("Mixtral-8x7B", "mixtral_8x7b", "addrms", "add_rms_norm", f16, {333, 4096}, 1e-5);
  z.add("DeepSeek-V3", "deepseek_v3", "addrms", "add_rms_norm", bf16, {8192, 7168}, 1e-6);
  z.add("Gemma-2-9B", "gemma2_9b", "addrms", "add_rms_norm", bf16, {1, 3584}, 1e-6);

  // --- LLMs: int8 output for the next quantized GEMM (SmoothQuant / W8A8 engines) ---
  z.add("Llama-3-8B", "llama3_8b", "rmsq8", "rms_norm_last_q8", f16, {4096, 4096}, 1e-5);
  z.add("Mistral-7B", "mistral_7b", "rmsq8", "rms_norm_last_q8", f16, {777, 4096}, 1e-5);
  z.add("Qwen2.5-7B", "qwen25_7b", "addrmsq8", "add_rms_norm_q8", bf16, {2048, 3584}, 1e-6);
  z.add("Llama-3-8B", "llama3_8b", "addrmsq8", "add_rms_norm_q8", f16, {1, 4096}, 1e-5);

  // --- Training: RMSNorm backward (dx, dweight) ---
  z.add("Llama-3-8B", "llama3_8b", "rmsbwd", "rms_norm_backward", bf16, {8192, 4096}, 1e-5);
  z.add("Qwen2.5-0.5B", "qwen25_05b", "rmsbwd", "rms_norm_backward", bf16, {16384, 896}, 1e-6);
  z.add("Gemma-2-2B", "gemma2_2b", "rmsbwd", "rms_norm_backward", bf16, {4096, 2304}, 1e-6);
  z.add("Qwen2.5-7B", "qwen25_7b", "rmsbwd", "rms_norm_backward", f32, {2047, 3584}, 1e-6);

  // --- Transformers with LayerNorm: GPT-2, BERT, Falcon, GPT-NeoX, Whisper ---
  z.add("GPT-2", "gpt2", "ln", "layer_norm", f32, {1, 768}, 1e-5);
  z.add("GPT-2", "gpt2", "ln", "layer_norm", f16, {8192, 768}, 1e-5);
  z.add("BERT-base", "bert_base", "ln", "layer_norm", f16, {4096, 768}, 1e-12);
  z.add("BERT-large", "bert_large", "ln", "layer_norm", f32, {8192, 1024}, 1e-12);
  z.add("Falcon-7B", "falcon_7b", "ln", "layer_norm", bf16, {1, 4544}, 1e-5);
  z.add("Falcon-7B", "falcon_7b", "ln", "layer_norm", bf16, {2048, 4544}, 1e-5);
  z.add("GPT-NeoX-20B", "gptneox_20b", "ln", "layer_norm", f16, {2048, 6144}, 1e-5);
  z.add("Whisper-large-v3", "whisper_lv3", "ln", "layer_norm", f16, {1500, 1280}, 1e-5);

  // --- Vision transformers and channels-last CNNs (LayerNorm over the channel vector) ---
  z.add("ViT-B/16", "vit_b16", "ln", "layer_norm", f16, {12608, 768}, 1e-6);     // 64 x 197 tokens
  z.add("ViT-L/14", "vit_l14", "ln", "layer_norm", bf16, {8224, 1024}, 1e-6);    // 32 x 257
  z.add("ViT-H/14", "vit_h14", "ln", "layer_norm", f16, {4112, 1280}, 1e-6);     // 16 x 257
  z.add("CLIP ViT-L/14-336", "clip_l14_336", "ln", "layer_norm", f16, {9232, 1024}, 1e-5);  // 16 x 577
  z.add("DINOv2-g", "dinov2_g", "ln", "layer_norm", bf16, {2056, 1536}, 1e-6);   // 8 x 257
  z.add("Swin-T", "swin_t", "ln", "layer_norm", f32, {100352, 96}, 1e-5);        // 32 x 56 x 56
  z.add("ConvNeXt-T", "convnext_t", "ln", "layer_norm", f16, {32, 56, 56, 96}, 1e-6);
  z.add("ConvNeXt-B", "convnext_b", "ln", "layer_norm", bf16, {32, 14, 14, 512}, 1e-6);

  // --- DiTs: the adaptive LayerNorm's norm (no affine: scale / shift come from the timestep) ---
  z.add("SD3-medium", "sd3_medium", "ln", "layer_norm", bf16, {8192, 1536}, 1e-6).affine = false;
  z.add("Flux.1", "flux1", "ln", "layer_norm", bf16, {9216, 3072}, 1e-6).affine = false;
  z.add("PixArt-alpha", "pixart_alpha", "ln", "layer_norm", f16, {8192, 1152}, 1e-6).affine = false;
  z.add("Wan2.1-1.3B", "wan21_13b", "ln", "layer_norm", bf16, {32760, 1536}, 1e-6).affine = false;

  // --- Fused residual add + LayerNorm (post-norm BERT, pre-norm ViT / GPT-2 blocks) ---
  z.add("BERT-base", "bert_base", "addln", "add_layer_norm", f16, {4096, 768}, 1e-12);
  z.add("GPT-2-XL", "gpt2_xl", "addln", "add_layer_norm", f16, {1024, 1600}, 1e-5);
  z.add("ViT-B/16", "vit_b16", "addln", "add_layer_norm", bf16, {12608, 768}, 1e-6);
  z.add("Whisper-large-v3", "whisper_lv3", "addln", "add_layer_norm", f16, {1, 1280}, 1e-5);

  // --- Training: LayerNorm forward + backward, and backward alone ---
  z.add("GPT-2", "gpt2", "lnfwdbwd", "layer_norm_fwd_bwd", bf16, {8192, 768}, 1e-5);
  z.add("BERT-large", "bert_large", "lnfwdbwd", "layer_norm_fwd_bwd", f32, {8192, 1024}, 1e-12);
  z.add("ViT-B/16", "vit_b16", "lnfwdbwd", "layer_norm_fwd_bwd", bf16, {12608, 768}, 1e-6);
  z.add("Phi-2", "phi2", "lnfwdbwd", "layer_norm_fwd_bwd", bf16, {4096, 2560}, 1e-5);
  z.add("GPT-2-XL", "gpt2_xl", "lnbwd", "layer_norm_backward", f16, {4096, 1600}, 1e-5);
  z.add("ViT-L/14", "vit_l14", "lnbwd", "layer_norm_backward", bf16, {8224, 1024}, 1e-6);

  // --- Diffusion UNets and VAEs: GroupNorm, 32 groups, NCHW ---
  auto gn = [&](const char* model, const char* slug, DType dt, std::vector<int64_t> shape, double eps) {
    z.add(model, slug, "gn32", "group_norm", dt, std::move(shape), eps).groups = 32;
  };
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 320, 64, 64}, 1e-5);
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 640, 32, 32}, 1e-5);
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 1280, 16, 16}, 1e-5);
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 1280, 8, 8}, 1e-5);
  gn("SDXL UNet", "sdxl_unet", f16, {2, 320, 128, 128}, 1e-5);
  gn("SDXL UNet", "sdxl_unet", bf16, {2, 640, 64, 64}, 1e-5);
  gn("SD VAE", "sd_vae", f16, {1, 512, 128, 128}, 1e-6);
  gn("SD VAE", "sd_vae", bf16, {1, 256, 256, 256}, 1e-6);
  gn("SD VAE", "sd_vae", f32, {1, 128, 512, 512}, 1e-6);

  // --- CNNs: BatchNorm (training, running statistics updated) and InstanceNorm ---
  z.add("ResNet-50", "resnet50", "bn", "batch_norm", f32, {32, 64, 112, 112}, 1e-5);
  z.add("ResNet-50", "resnet50", "bn", "batch_norm", f16, {32, 256, 56, 56}, 1e-5);
  z.add("ResNet-50", "resnet50", "bn", "batch_norm", bf16, {32, 512, 28, 28}, 1e-5);
  z.add("ResNet-50", "resnet50", "bn", "batch_norm", f32, {32, 2048, 7, 7}, 1e-5);
  z.add("MobileNetV2", "mobilenet_v2", "bn", "batch_norm", f16, {64, 144, 56, 56}, 1e-5);
  z.add("CycleGAN", "cyclegan", "in", "instance_norm", f32, {1, 64, 256, 256}, 1e-5).affine = false;
  z.add("CycleGAN", "cyclegan", "in", "instance_norm", f32, {1, 256, 64, 64}, 1e-5).affine = false;
  z.add("AdaIN style transfer", "adain", "in", "instance_norm", f16, {8, 512, 32, 32}, 1e-5).affine = false;

  // --- Embeddings: L2 normalization over the feature dimension ---
  z.add("CLIP ViT-L/14", "clip_l14", "l2", "l2_norm", f16, {1024, 768}, 0).affine = false;
  z.add("all-MiniLM-L6", "minilm_l6", "l2", "l2_norm", f32, {4096, 384}, 0).affine = false;
  z.add("ArcFace", "arcface", "l2", "l2_norm", f32, {511, 512}, 0).affine = false;

  // --- RMSNorm over channels (Wan2.1's VAE normalizes dim 1 of (N, C, T, H, W)) ---
  z.add("Wan2.1 VAE", "wan21_vae", "rms", "rms_norm", bf16, {1, 384, 4, 120, 208}, 1e-6);
  z.add("Wan2.1 VAE", "wan21_vae", "rms", "rms_norm", bf16, {1, 96, 4, 480, 832}, 1e-6);
  return s;
}

}  // namespace vknorm_bench
